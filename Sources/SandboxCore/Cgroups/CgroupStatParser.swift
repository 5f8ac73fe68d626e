/// Parsers for the text of cgroup interface files. Pure, so the drivers' reads are tested
/// without a kernel.
public enum CgroupStatParser {
    /// "key value" per line: v2 `cpu.stat`, `memory.events`, `pids.events`; v1
    /// `memory.oom_control`, `cpu.stat`. Lines whose value is not a number are skipped.
    public static func keyed(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let value = UInt64(fields[1]) else { continue }
            result[String(fields[0])] = value
        }
        return result
    }

    /// A single number ("4096\n"). "max" (v2's unlimited) and anything else give nil.
    public static func number(_ text: String) -> UInt64? {
        UInt64(trimmed(text))
    }

    /// Process ids, one per line (`cgroup.procs`).
    public static func pids(_ text: String) -> [Int32] {
        text.split(separator: "\n").compactMap { Int32(trimmed($0)) }
    }

    /// Controller names separated by spaces (`cgroup.controllers`, `cgroup.subtree_control`).
    public static func controllers(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    /// /proc/swaps has a header line, then one line per active swap area.
    public static func hasActiveSwap(_ procSwaps: String) -> Bool {
        procSwaps.split(separator: "\n").dropFirst().contains { !trimmed($0).isEmpty }
    }

    /// The text of a one-word file (`freezer.state`), without surrounding whitespace.
    public static func word(_ text: String) -> String { trimmed(text) }

    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isSpace($0) }),
              let end = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[start...end])
    }
}
