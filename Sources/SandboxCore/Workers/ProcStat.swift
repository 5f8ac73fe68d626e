/// The fields of /proc/PID/stat the registry needs, parsed (proc(5)). The command name
/// (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
public struct ProcStat: Equatable, Sendable {
    public var pid: Int32
    public var state: Character
    public var parentPID: Int32
    /// User and system CPU time, in clock ticks (fields 14 and 15).
    public var userTicks: UInt64
    public var systemTicks: UInt64
    /// Start time after boot in clock ticks (field 22): pid + start time name one process.
    public var startTicks: UInt64
    /// Resident set size in pages (field 24).
    public var residentPages: UInt64

    public init(pid: Int32, state: Character, parentPID: Int32, userTicks: UInt64, systemTicks: UInt64,
                startTicks: UInt64, residentPages: UInt64) {
        self.pid = pid
        self.state = state
        self.parentPID = parentPID
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.startTicks = startTicks
        self.residentPages = residentPages
    }

    public static func parse(_ text: String) -> ProcStat? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"),
              let pid = Int32(text[..<open].split(separator: " ").first ?? "") else { return nil }
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 22, let state = fields[0].first, let ppid = Int32(fields[1]),
              let utime = UInt64(fields[11]), let stime = UInt64(fields[12]),
              let start = UInt64(fields[19]), let rss = Int64(fields[21]) else { return nil }
        return ProcStat(pid: pid, state: state, parentPID: ppid, userTicks: utime, systemTicks: stime,
                        startTicks: start, residentPages: UInt64(max(0, rss)))
    }

    /// A zombie or dead process is not a live supervisor.
    public var isAlive: Bool { state != "Z" && state != "X" && state != "x" }
}
