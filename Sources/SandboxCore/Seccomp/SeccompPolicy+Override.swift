/// Inline rules from a profile on top of a base policy (`[seccomp]` in TOML): the rules
/// given for a syscall replace the base's rules for that syscall, so a profile can allow
/// what the base denies (even an explicit clone3 ENOSYS) or deny what it allows. Then the
/// baseline guards are folded in again: no edit can remove them.
extension SeccompPolicy {
    public func overriding(with edits: [SeccompRule]) -> (policy: SeccompPolicy, notes: [String]) {
        let replaced = Set(edits.map(\.syscall))
        var edited = self
        edited.rules = rules.filter { !replaced.contains($0.syscall) } + edits
        return BaselineGuards.fold(into: edited)
    }

    /// Deny `syscalls` with `errno` (EPERM unless given) on top of this policy.
    public func denying(_ syscalls: [String], errno: Int32 = 1) -> (policy: SeccompPolicy, notes: [String]) {
        overriding(with: syscalls.map { SeccompRule(syscall: $0, action: .errno(errno)) })
    }
}
