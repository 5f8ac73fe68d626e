/// One thing wrong with a profile, as `sandbox profile check` prints it:
/// "profiles/strict.toml:12: unknown key "memroy" in [limits]; did you mean "memory"?".
public struct ProfileProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as the user named it, or "built-in NAME".
    public var origin: String
    public var line: Int?
    /// The key path ("limits.memory") when the problem is about one key.
    public var key: String?
    public var message: String

    public init(origin: String, line: Int?, key: String? = nil, message: String) {
        self.origin = origin
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(origin):\($0)" } ?? origin
        return "\(place): \(message)"
    }
}

/// All problems found in one profile (and its bases), in file and line order.
public struct ProfileProblems: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [ProfileProblem]
    public init(_ problems: [ProfileProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }

    /// For `sandbox run`/`plan`: one line naming the first problem (exit 125).
    public var sandboxError: SandboxError {
        guard let first = problems.first else { return SandboxError(.profile, "invalid profile") }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more; see `sandbox profile check`)" : ""
        return SandboxError(.profile, first.description + more)
    }
}
