/// The exit codes `sandbox run` uses, in one place (the shell's conventions, as env(1),
/// timeout(1) and container runtimes use them).
public enum ExitCodes {
    /// The runner itself failed: command line, worker, profile, host support, setup.
    public static let runnerFailure: Int32 = 125
    /// The command was found but could not be executed.
    public static let cannotExecute: Int32 = 126
    /// The command was not found.
    public static let notFound: Int32 = 127
    /// The command was killed by the OOM killer of its cgroup (128 + SIGKILL, as a shell shows it).
    public static let outOfMemory: Int32 = 137
    /// 159 (128 + SIGSYS): the command called a syscall its seccomp policy kills.
    public static let seccompKill: Int32 = 159
    /// 128 + N for a command killed by signal N.
    public static func signaled(_ signal: Int32) -> Int32 { 128 + signal }
    /// A wall-clock or CPU timeout stopped the run (as timeout(1) exits).
    public static let timeout: Int32 = 124
}

/// How a run ended, as the supervisor saw it.
public enum Termination: Equatable, Sendable {
    case exited(code: Int32)
    case signaled(signal: Int32)
    /// Killed by SIGKILL while its cgroup counted OOM kills: the memory limit ended it.
    case outOfMemory
    case setupFailed(SandboxError)
    /// The seccomp policy killed the command when it called `syscall`.
    case seccompKilled(syscall: String)
    /// A timeout stopped the run: SIGTERM to every process, SIGKILL after the grace period.
    case timedOut(TimeoutPlan.Kind, seconds: Double)

    public var exitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): ExitCodes.signaled(signal)
        case .outOfMemory: ExitCodes.outOfMemory
        case .setupFailed(let error): error.exitCode
        case .seccompKilled: ExitCodes.seccompKill
        case .timedOut: ExitCodes.timeout
        }
    }

    public var status: RunReport.Status {
        switch self {
        case .exited: .exited
        case .signaled: .signaled
        case .outOfMemory: .oom
        case .setupFailed: .setupFailed
        case .seccompKilled: .seccomp
        case .timedOut: .timeout
        }
    }
}
