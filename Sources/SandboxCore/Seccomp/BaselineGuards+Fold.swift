/// Folding the guards into any policy, built-in or imported. The result:
/// - a setuid/setgid mode is refused by chmod, fchmod, fchmodat(2), creat, mkdir(at),
///   mknod(at), and by open/openat when they create;
/// - openat2 returns ENOSYS (or something harsher the policy already chose);
/// - io_uring_* is denied.
/// A policy that denies one of these calls outright keeps denying it (never loosen); a
/// policy that allows it gets the narrowest allow that still refuses the bits. Folding
/// twice gives the same policy.
extension BaselineGuards {
    public static func fold(into policy: SeccompPolicy) -> (policy: SeccompPolicy, notes: [String]) {
        var (input, notes) = policy.normalized()
        let guarded = Set(guardedSyscalls)
        var rules = input.rules.filter { !guarded.contains($0.syscall) }
        let defaultPermits = input.defaultAction.permits
        for name in guardedSyscalls {
            let existing = input.rules(for: name)
            if fallbackCalls.contains(name) || refusedCalls.contains(name) {
                let wanted: SeccompAction = fallbackCalls.contains(name) ? .errno(enosys) : .errno(eperm)
                rules += alwaysDenied(name, existing, wanted: wanted, policy: input)
            } else if defaultPermits {
                rules += deniedUnderAllow(name, existing, notes: &notes)
            } else {
                rules += narrowedUnderDeny(name, existing, notes: &notes)
            }
        }
        input.rules = rules
        let (result, more) = input.normalized()
        return (result, notes + more)
    }

    /// openat2 and io_uring: an unconditional denial the policy already has stays if it is
    /// at least as harsh as `wanted` (a kill stays a kill); otherwise `wanted`, unless the
    /// default action already is exactly that (or, for io_uring, any denial).
    static func alwaysDenied(_ name: String, _ existing: [SeccompRule], wanted: SeccompAction, policy: SeccompPolicy) -> [SeccompRule] {
        if let own = existing.first(where: { $0.args.isEmpty && !$0.action.permits }),
           own.action == wanted || own.action.severity > wanted.severity {
            return [own]
        }
        let defaultSuffices = wanted == .errno(enosys)
            ? policy.defaultAction == wanted
            : !policy.defaultAction.permits
        return defaultSuffices ? [] : [SeccompRule(syscall: name, action: wanted)]
    }

    /// Default allow: the policy's own denials stay; rules that permit are dropped (they
    /// could shadow the guards); the guards are added as EPERM rules unless the call is
    /// denied unconditionally already.
    static func deniedUnderAllow(_ name: String, _ existing: [SeccompRule], notes: inout [String]) -> [SeccompRule] {
        let denials = existing.filter { !$0.action.permits }
        if denials.count < existing.count {
            notes.append("\(name): rules that permit it under a default that permits are dropped so the setuid/setgid guard holds")
        }
        if denials.contains(where: { $0.args.isEmpty }) { return denials }
        return denials + harmfulWhen(name).map { SeccompRule(syscall: name, action: .errno(eperm), args: $0) }
    }

    /// Default deny: each rule that permits the call is narrowed to the harmless cases;
    /// denials stay as they are; a call the policy never allowed stays denied.
    static func narrowedUnderDeny(_ name: String, _ existing: [SeccompRule], notes: inout [String]) -> [SeccompRule] {
        guard let branches = harmlessWhen(name) else { return existing }
        var result: [SeccompRule] = []
        for rule in existing {
            guard rule.action.permits else { result.append(rule); continue }
            let narrowed = narrow(rule, to: branches)
            if narrowed.inexpressible {
                notes.append("\(name): a rule's conditions cannot be combined with the setuid/setgid guard; that case is denied")
            } else if narrowed.rules.isEmpty {
                notes.append("\(name): a rule allowed only setuid/setgid modes; dropped")
            }
            result += narrowed.rules
        }
        return result
    }

    /// `rule` AND (any of `branches`), as rules libseccomp accepts: one comparison per
    /// argument, so a comparison the rule already makes on a guarded argument must imply
    /// the guard or merge with it into one masked comparison.
    static func narrow(_ rule: SeccompRule, to branches: [[SeccompArgument]]) -> (rules: [SeccompRule], inexpressible: Bool) {
        let implied = branches.contains { branch in
            branch.allSatisfy { condition in rule.args.contains { $0.implies(clearing: condition.value, index: condition.index) } }
        }
        if implied { return ([rule], false) }
        var rules: [SeccompRule] = []
        var inexpressible = false
        branchLoop: for branch in branches {
            var args = rule.args
            for condition in branch {
                guard let i = args.firstIndex(where: { $0.index == condition.index }) else {
                    args.append(condition)
                    continue
                }
                switch args[i].conjoined(clearing: condition.value) {
                case .merged(let merged): args[i] = merged
                case .contradiction: continue branchLoop
                case .inexpressible:
                    inexpressible = true
                    continue branchLoop
                }
            }
            rules.append(SeccompRule(syscall: rule.syscall, action: rule.action, args: args))
        }
        return (rules, inexpressible)
    }
}

extension SeccompArgument {
    enum Conjunction: Equatable { case merged(SeccompArgument), contradiction, inexpressible }

    /// Whether every value this comparison accepts has none of `bits` set.
    func implies(clearing bits: UInt64, index: UInt32) -> Bool {
        guard self.index == index, bits != 0 else { return false }
        let lowest = bits & (~bits &+ 1)
        switch op {
        case .equal: return value & bits == 0
        case .maskedEqual: return value & bits == bits && valueTwo & bits == 0
        case .less: return value <= lowest
        case .lessOrEqual: return value < lowest
        case .notEqual, .greater, .greaterOrEqual: return false
        }
    }

    /// This comparison AND "none of `bits` set", as one comparison if there is one.
    func conjoined(clearing bits: UInt64) -> Conjunction {
        if implies(clearing: bits, index: index) { return .merged(self) }
        switch op {
        case .equal:
            return .contradiction  // the one value it accepts has a refused bit
        case .maskedEqual:
            // (x & m) == v and (x & bits) == 0  <=>  (x & (m | bits)) == v, when v has no
            // refused bit and no bit outside m (else the rule never matched anything).
            if valueTwo & bits != 0 || valueTwo & ~value != 0 { return .contradiction }
            return .merged(SeccompArgument(index: index, op: .maskedEqual, value: value | bits, valueTwo: valueTwo))
        case .less, .lessOrEqual, .notEqual, .greater, .greaterOrEqual:
            return .inexpressible
        }
    }
}
