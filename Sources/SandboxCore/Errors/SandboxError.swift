/// A failure of the runner itself. Reads "stage: message", where message names the
/// operation, the path and the errno ("setup: mount `/usr`: Permission denied (EACCES)").
/// Context is added on the way up with `wrapped(_:)`; it is printed once, at the top.
public struct SandboxError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Stage: String, Codable, Sendable {
        case usage, worker, profile, host, setup, exec, supervise, report
        /// The runner's own state: the registry, worktree locks, logs, events.
        case state
    }

    public var stage: Stage
    public var message: String
    /// The process exit code this failure maps to (125 unless it is about the command).
    public var exitCode: Int32

    public init(_ stage: Stage, _ message: String, exitCode: Int32 = ExitCodes.runnerFailure) {
        self.stage = stage
        self.message = message
        self.exitCode = exitCode
    }

    public func wrapped(_ context: String) -> SandboxError {
        SandboxError(stage, "\(context): \(message)", exitCode: exitCode)
    }

    public var description: String { "\(stage.rawValue): \(message)" }
}
