/// The exit codes `sandbox run` uses, in one place (the shell's conventions, as env(1),
/// timeout(1) and container runtimes use them).
public enum ExitCodes {
    /// The runner itself failed: command line, worker, profile, host support, setup.
    public static let runnerFailure: Int32 = 125
    /// The command was found but could not be executed.
    public static let cannotExecute: Int32 = 126
    /// The command was not found.
    public static let notFound: Int32 = 127
    /// 159 (128 + SIGSYS): the command called a syscall its seccomp policy kills.
    public static let seccompKill: Int32 = 159
    /// 128 + N for a command killed by signal N.
    public static func signaled(_ signal: Int32) -> Int32 { 128 + signal }
}

/// How a run ended, as the supervisor saw it.
public enum Termination: Equatable, Sendable {
    case exited(code: Int32)
    case signaled(signal: Int32)
    case setupFailed(SandboxError)
    /// The seccomp policy killed the command when it called `syscall`.
    case seccompKilled(syscall: String)

    public var exitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): ExitCodes.signaled(signal)
        case .setupFailed(let error): error.exitCode
        case .seccompKilled: ExitCodes.seccompKill
        }
    }

    public var status: RunReport.Status {
        switch self {
        case .exited: .exited
        case .signaled: .signaled
        case .setupFailed: .setupFailed
        case .seccompKilled: .seccomp
        }
    }
}
