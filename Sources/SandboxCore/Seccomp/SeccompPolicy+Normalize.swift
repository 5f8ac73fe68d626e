/// Puts a policy in the shape libseccomp 2.5 compiles as written. Measured on this host:
/// - a rule whose action is the default action is refused (EACCES): it changes nothing;
/// - once a syscall has an unconditional rule, conditional rules added to it are ignored,
///   and an unconditional rule added later replaces the conditional ones, whatever the
///   actions: the unconditional rule decides;
/// - of two unconditional rules the first one silently wins; two conditional rules with
///   the same comparisons and different actions are refused (EEXIST).
/// Here the choice is made explicitly and never loosens: the harshest action wins.
extension SeccompPolicy {
    public func normalized() -> (policy: SeccompPolicy, notes: [String]) {
        var notes: [String] = []
        var order: [String] = []
        var bySyscall: [String: [SeccompRule]] = [:]
        for rule in rules {
            if bySyscall[rule.syscall] == nil { order.append(rule.syscall) }
            bySyscall[rule.syscall, default: []].append(rule)
        }
        var result: [SeccompRule] = []
        for name in order {
            result += normalize(name, bySyscall[name] ?? [], notes: &notes)
        }
        return (SeccompPolicy(defaultAction: defaultAction, rules: result, badArchAction: badArchAction), notes)
    }

    private func normalize(_ name: String, _ rules: [SeccompRule], notes: inout [String]) -> [SeccompRule] {
        // Most syscalls have one rule: nothing to reconcile (this runs on every `sandbox run`).
        if rules.count == 1, let only = rules.first {
            return only.action == defaultAction ? [] : [only]
        }
        let unconditional = rules.filter { $0.args.isEmpty }
        if let first = unconditional.first {
            let chosen = unconditional.max { $0.action.severity < $1.action.severity } ?? first
            if rules.contains(where: { $0.action != chosen.action }) {
                notes.append("\(name): an unconditional \(chosen.action) rule overrides its other rules")
            }
            return chosen.action == defaultAction ? [] : [SeccompRule(syscall: name, action: chosen.action)]
        }
        // Same comparisons (in any order) twice: keep one, the harshest. Each rule's
        // comparisons become a set once, not once per pair.
        var kept: [SeccompRule] = []
        var keptArgs: [Set<SeccompArgument>] = []
        for rule in rules where rule.action != defaultAction {
            let args = Set(rule.args)
            if let i = keptArgs.firstIndex(of: args) {
                if kept[i].action != rule.action {
                    notes.append("\(name): two rules with the same conditions; \(max(kept[i].action, rule.action)) wins")
                    kept[i].action = max(kept[i].action, rule.action)
                }
            } else {
                kept.append(rule)
                keptArgs.append(args)
            }
        }
        // A rule whose conditions include all of another's, with the same action, adds nothing.
        // (After the step above no two kept rules have equal condition sets.)
        return kept.indices.filter { i in
            !kept.indices.contains { j in
                j != i && kept[j].action == kept[i].action && keptArgs[j].isSubset(of: keptArgs[i])
            }
        }.map { kept[$0] }
    }

    /// Errors libseccomp would report on a rule, found before compiling: an argument index
    /// past the six registers, or two comparisons of one argument in one rule.
    public func structuralProblems() -> [String] {
        var problems: [String] = []
        for rule in rules {
            if let bad = rule.args.first(where: { $0.index > 5 }) {
                problems.append("\(rule.syscall): argument index \(bad.index) is not 0...5")
            }
            let indexes = rule.args.map(\.index)
            if Set(indexes).count != indexes.count {
                problems.append("\(rule.syscall): one rule compares the same argument twice (libseccomp allows one comparison per argument)")
            }
        }
        return problems
    }
}

private func max(_ a: SeccompAction, _ b: SeccompAction) -> SeccompAction {
    b.severity > a.severity ? b : a
}
