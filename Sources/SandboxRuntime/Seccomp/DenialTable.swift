import SandboxCore

/// What the supervisor answers a seccomp notification with, per syscall number.
public struct DenialTable: Equatable, Sendable {
    public enum Answer: Equatable, Sendable {
        case errno(Int32)
        case kill
    }

    /// Syscalls whose refusing rules all agree on one answer (those become notifications).
    public var answers: [Int32: Answer] = [:]
    /// For syscalls that reach the default action.
    public var defaultAnswer: Answer?
    /// For a syscall of a non-native architecture.
    public var badArchAnswer: Answer = .kill

    init() {}

    init(policy: SeccompPolicy, numbered rules: [(number: Int32, rule: SeccompRule)]) {
        defaultAnswer = Self.answer(for: policy.defaultAction)
        // The compiler notifies for a refusing bad-arch action (SeccompCompiler): answer it as
        // the policy says, not always with a kill.
        badArchAnswer = Self.answer(for: policy.badArchAction) ?? .kill
        var seen: [Int32: Set<String>] = [:]
        for (number, rule) in rules {
            guard let answer = Self.answer(for: rule.action) else { continue }
            seen[number, default: []].insert("\(answer)")
            answers[number] = answer
        }
        // Rules that refuse one syscall with different errnos (say EPERM for one socket
        // family, EAFNOSUPPORT for another) cannot be told apart from the notification's
        // number alone: they stay plain errno rules, enforced but not reported.
        for (number, kinds) in seen where kinds.count > 1 { answers[number] = nil }
    }

    static func answer(for action: SeccompAction) -> Answer? {
        switch action {
        case .errno(let e): .errno(e)
        case .killProcess, .killThread: .kill
        case .allow, .trap, .log: nil
        }
    }

    func notifies(_ action: SeccompAction) -> Bool {
        Self.answer(for: action) != nil
    }

    /// The answer for a notification about syscall `number` of the native architecture.
    public func answer(number: Int32) -> Answer {
        answers[number] ?? defaultAnswer ?? .errno(1)
    }
}
