/// What a policy does with one call, read the way libseccomp compiles it (see
/// `normalized()`): an unconditional rule decides; otherwise the matching conditional
/// rules; otherwise the default action. Used by tests and by anything that explains a
/// policy without compiling it; it does not replace the kernel's verdict.
extension SeccompPolicy {
    public func action(for syscall: String, args: [UInt64] = []) -> SeccompAction {
        let mine = rules(for: syscall)
        let unconditional = mine.filter { $0.args.isEmpty }
        let candidates = unconditional.isEmpty ? mine.filter { $0.matches(args) } : unconditional
        // Overlapping rules with different actions are left to libseccomp's ordering; the
        // built-in policies have none, and the harshest one is the safe reading.
        return candidates.map(\.action).max { $0.severity < $1.severity } ?? defaultAction
    }

    /// The actions of every rule that matches (several means overlapping rules).
    public func matchingActions(for syscall: String, args: [UInt64] = []) -> [SeccompAction] {
        rules(for: syscall).filter { $0.matches(args) }.map(\.action)
    }
}

extension SeccompRule {
    public func matches(_ values: [UInt64]) -> Bool {
        args.allSatisfy { $0.matches(Int($0.index) < values.count ? values[Int($0.index)] : 0) }
    }
}

extension SeccompArgument {
    /// libseccomp compares the whole 64-bit register on x86_64.
    public func matches(_ x: UInt64) -> Bool {
        switch op {
        case .equal: x == value
        case .notEqual: x != value
        case .less: x < value
        case .lessOrEqual: x <= value
        case .greater: x > value
        case .greaterOrEqual: x >= value
        case .maskedEqual: x & value == valueTwo
        }
    }
}
