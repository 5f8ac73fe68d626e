/// One live run in the registry (`<state>/runs/`): what `ps`, `status`, `kill` and `logs`
/// read. Written by the run's supervisor, atomically, when the phase changes; removed when
/// the run ends; swept by any later `sandbox` command once the supervisor is dead.
public struct RunRecord: Codable, Equatable, Sendable {
    public enum Phase: String, Codable, Sendable, CaseIterable, Comparable {
        case starting, running, stopping

        var rank: Int {
            switch self {
            case .starting: 0
            case .running: 1
            case .stopping: 2
            }
        }

        public static func < (a: Phase, b: Phase) -> Bool { a.rank < b.rank }
    }

    public var id: String
    public var worker: String
    public var worktree: String
    public var branch: String?
    public var profile: String
    public var command: [String]
    /// The `sandbox run` process that supervises the run (the one `kill` signals).
    public var supervisorPID: Int32
    /// Its start time in clock ticks after boot (/proc/PID/stat field 22): with the pid, it
    /// names the process even after the pid is reused.
    public var supervisorStartTicks: UInt64
    /// The sandbox's init as the host sees it, once launched.
    public var initPID: Int32?
    /// The run's cgroup directories, if it has any.
    public var cgroup: [String]?
    /// RFC 3339 UTC, and the same instant in milliseconds since the epoch (for ELAPSED).
    public var startedAt: String
    public var startedUnixMs: UInt64
    public var phase: Phase
    /// The file the run's output is copied to; nil for `--tty` runs, which are not logged.
    public var log: String?

    enum CodingKeys: String, CodingKey {
        case id, worker, worktree, branch, profile, command
        case supervisorPID = "supervisor_pid"
        case supervisorStartTicks = "supervisor_start_ticks"
        case initPID = "init_pid"
        case cgroup
        case startedAt = "started_at"
        case startedUnixMs = "started_unix_ms"
        case phase, log
    }

    public init(id: String, worker: String, worktree: String, branch: String?, profile: String, command: [String],
                supervisorPID: Int32, supervisorStartTicks: UInt64, startedAt: String, startedUnixMs: UInt64,
                phase: Phase = .starting, log: String? = nil) {
        self.id = id
        self.worker = worker
        self.worktree = worktree
        self.branch = branch
        self.profile = profile
        self.command = command
        self.supervisorPID = supervisorPID
        self.supervisorStartTicks = supervisorStartTicks
        self.startedAt = startedAt
        self.startedUnixMs = startedUnixMs
        self.phase = phase
        self.log = log
    }

    /// The short form `ps` shows and messages use; commands accept any unique prefix.
    public var shortID: String { String(id.prefix(8)) }

    /// The registry file name: the supervisor's pid and start time are in it, so a sweep
    /// tells a dead run from a live one without reading the file; and the phase, so that a
    /// phase change writes a new file (then removes the old one) instead of renaming over
    /// it. On ext4, renaming over a file starts writeback of the new one (auto_da_alloc),
    /// and the unlink at the end of the run then waits for it: 4 ms a run, measured. Both
    /// files may exist for an instant: readers take the later phase.
    public var fileName: String { RunRecord.fileName(id: id, pid: supervisorPID, startTicks: supervisorStartTicks, phase: phase) }

    public static func fileName(id: String, pid: Int32, startTicks: UInt64, phase: Phase) -> String {
        "\(id).\(pid).\(startTicks).\(phase.rawValue).run"
    }

    public struct FileName: Equatable, Sendable {
        public var id: String
        public var pid: Int32
        public var startTicks: UInt64
        public var phase: Phase
    }

    /// The parts of a registry file name, or nil for anything else.
    public static func parseFileName(_ name: String) -> FileName? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == "run", !parts[0].isEmpty,
              parts[0].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }),
              let pid = Int32(parts[1]), pid > 0, let ticks = UInt64(parts[2]),
              let phase = Phase(rawValue: String(parts[3])) else { return nil }
        return FileName(id: String(parts[0]), pid: pid, startTicks: ticks, phase: phase)
    }
}
