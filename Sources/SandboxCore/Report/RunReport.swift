/// The JSON report of one run (`--report FILE`). Field names are a public interface:
/// later work adds statuses and fields, never renames these.
public struct RunReport: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case exited, signaled
        case setupFailed = "setup_failed"
        /// The command was OOM-killed in its cgroup (exit 137, `oom_kills` >= 1).
        case oom
        /// Killed by the seccomp policy (exit 159); `error` names the syscall.
        case seccomp
        /// Stopped by a wall-clock or CPU timeout (exit 124); `error` says which.
        case timeout
    }

    /// A syscall the policy refused, and how often (seccomp user notification).
    public struct DeniedSyscall: Codable, Equatable, Sendable {
        public var name: String
        public var count: Int
        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    public struct ErrorInfo: Codable, Equatable, Sendable {
        public var stage: String
        public var message: String
        public init(stage: String, message: String) {
            self.stage = stage
            self.message = message
        }
    }

    public var schema: Int = 1
    public var id: String
    public var worker: String
    public var worktree: String
    public var profile: String
    public var command: [String]
    public var status: Status
    public var exitCode: Int32
    public var signal: Int32?
    public var startedAt: String
    public var wallMs: UInt64
    public var cpuUserMs: UInt64
    public var cpuSystemMs: UInt64
    public var error: ErrorInfo?
    /// The limits enforced, and those let through by --allow-unenforced (null only when the
    /// run failed before it was planned).
    public var limits: CgroupPlan.Summary?
    /// Counters of the run's cgroup; each null where the backend does not give it.
    public var usage: CgroupUsage = CgroupUsage()
    public var deniedSyscalls: [DeniedSyscall] = []
    /// The effective profile settings and the flags that changed them (null only when the
    /// run failed before its profile was resolved).
    public var settings: EffectiveSettings?
    /// Who stopped the run (`sandbox kill`, or a signal the runner passed on); null when
    /// nothing did.
    public var stoppedBy: StoppedBy?
    /// The file the run's output was copied to (null for `--tty` runs and in-process runs).
    public var log: String?

    enum CodingKeys: String, CodingKey {
        case schema, id, worker, worktree, profile, command, status
        case exitCode = "exit_code"
        case signal
        case startedAt = "started_at"
        case wallMs = "wall_ms"
        case cpuUserMs = "cpu_user_ms"
        case cpuSystemMs = "cpu_system_ms"
        case error, limits
        case deniedSyscalls = "denied_syscalls"
        case settings
        case stoppedBy = "stopped_by"
        case log
    }

    public init(
        id: String, worker: String, worktree: String, profile: String, command: [String],
        termination: Termination, startedAt: String, wallMs: UInt64, cpuUserMs: UInt64, cpuSystemMs: UInt64
    ) {
        self.id = id
        self.worker = worker
        self.worktree = worktree
        self.profile = profile
        self.command = command
        self.status = termination.status
        self.exitCode = termination.exitCode
        self.startedAt = startedAt
        self.wallMs = wallMs
        self.cpuUserMs = cpuUserMs
        self.cpuSystemMs = cpuSystemMs
        switch termination {
        case .signaled(let signal): self.signal = signal
        case .outOfMemory: self.signal = 9  // SIGKILL: the OOM killer's signal
        case .setupFailed(let error): self.error = ErrorInfo(stage: error.stage.rawValue, message: error.message)
        case .seccompKilled(let syscall):
            self.signal = 31  // SIGSYS on Linux
            self.error = ErrorInfo(stage: "seccomp", message: "the command called \(syscall), which the seccomp policy kills")
        case .timedOut(let kind, let seconds):
            self.error = ErrorInfo(stage: "timeout", message: "\(kind.rawValue) timeout of \(TimeoutPlan.format(seconds)) reached: SIGTERM to every process of the run, SIGKILL after the grace period")
        case .exited: break
        }
    }

    // `signal` and `error` are always present (null when absent), as the schema shows.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(id, forKey: .id)
        try c.encode(worker, forKey: .worker)
        try c.encode(worktree, forKey: .worktree)
        try c.encode(profile, forKey: .profile)
        try c.encode(command, forKey: .command)
        try c.encode(status, forKey: .status)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(signal, forKey: .signal)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(wallMs, forKey: .wallMs)
        try c.encode(cpuUserMs, forKey: .cpuUserMs)
        try c.encode(cpuSystemMs, forKey: .cpuSystemMs)
        try c.encode(error, forKey: .error)
        try c.encode(deniedSyscalls, forKey: .deniedSyscalls)
        try c.encode(limits, forKey: .limits)
        try c.encode(settings, forKey: .settings)
        // Flat, as the schema lists them: memory_peak_bytes, cpu_usage_ms, pids_peak, ...
        try usage.encode(to: encoder)
        try c.encode(stoppedBy, forKey: .stoppedBy)
        try c.encode(log, forKey: .log)
    }
}
