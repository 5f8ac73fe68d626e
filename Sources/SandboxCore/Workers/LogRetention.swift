/// Which of a worker's run logs to delete so that at most `keep` remain (the newest: log
/// names start with a sortable time stamp), and the caps a run's log is held to.
public enum LogRetention {
    /// Runs kept per worker, the run about to start included.
    public static let defaultKeep = 10
    /// Bytes of output kept per run; the rest is counted, not stored.
    public static let defaultRunCap: UInt64 = 8 << 20
    /// Worker log directories kept, the least recently run removed first.
    public static let defaultMaxWorkers = 64

    public static func toDelete(_ names: [String], keep: Int) -> [String] {
        let logs = names.filter { $0.hasSuffix(".log") }.sorted()
        return logs.count > keep ? Array(logs.prefix(logs.count - keep)) : []
    }

    /// "20261125T120107.123Z-<id>.log": sortable by start (to the millisecond: one worktree
    /// runs one command at a time, each taking longer than that), names its run.
    public static func fileName(startedAt: String, id: String) -> String {
        let compact = startedAt.prefix(23).filter { $0 != "-" && $0 != ":" }
        return "\(compact)Z-\(id).log"
    }

    /// The run id in a log file name, or nil.
    public static func runID(ofLog name: String) -> String? {
        guard name.hasSuffix(".log"), let dash = name.firstIndex(of: "-") else { return nil }
        return String(name[name.index(after: dash)...].dropLast(4))
    }

    /// The directory name for a worker's logs: its base name and a hash of the worktree's
    /// real path (two worktrees with one name keep apart; the name stays readable).
    public static func workerKey(name: String, worktree: String) -> String {
        let bytes = name.utf8.prefix(64).map { c -> UInt8 in
            let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
            return ok ? c : 0x5F
        }
        let safe = String(decoding: bytes, as: UTF8.self)
        return "\(safe.isEmpty ? "worker" : safe)-\(fnv1a(worktree))"
    }

    /// FNV-1a 64, hex: a stable key that needs no crypto library.
    public static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
