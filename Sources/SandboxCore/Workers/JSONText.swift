/// JSON text written by hand for what is written on every run (registry records): a
/// `JSONEncoder` costs about 0.4 ms on its first use, a tenth of what `sandbox run` adds
/// to a command's start. Read back with any JSON decoder.
public struct JSONText {
    private var text = "{"
    private var first = true

    public init() {}

    public mutating func field(_ key: String, _ value: String?) {
        name(key)
        if let value { text += Self.quoted(value) } else { text += "null" }
    }

    public mutating func field<T: BinaryInteger>(_ key: String, _ value: T?) {
        name(key)
        text += value.map { "\($0)" } ?? "null"
    }

    public mutating func field(_ key: String, _ values: [String]?) {
        name(key)
        guard let values else { text += "null"; return }
        // A loop, not joined(separator:), whose first use scans every conformance record.
        text += "["
        for (i, value) in values.enumerated() {
            if i > 0 { text += "," }
            text += Self.quoted(value)
        }
        text += "]"
    }

    public func finished() -> String { text + "}\n" }

    private mutating func name(_ key: String) {
        if !first { text += "," }
        first = false
        text += Self.quoted(key) + ":"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped (RFC 8259).
    public static func quoted(_ value: String) -> String {
        // Most values (ids, paths, names) need no escape: one copy.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + value + "\"" }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension RunRecord {
    /// The record as one line of JSON (the registry file's content).
    public func jsonLine() -> String {
        var j = JSONText()
        j.field("id", id)
        j.field("worker", worker)
        j.field("worktree", worktree)
        j.field("branch", branch)
        j.field("profile", profile)
        j.field("command", command)
        j.field("supervisor_pid", supervisorPID)
        j.field("supervisor_start_ticks", supervisorStartTicks)
        j.field("init_pid", initPID)
        j.field("cgroup", cgroup)
        j.field("started_at", startedAt)
        j.field("started_unix_ms", startedUnixMs)
        j.field("phase", phase.rawValue)
        j.field("log", log)
        return j.finished()
    }
}
