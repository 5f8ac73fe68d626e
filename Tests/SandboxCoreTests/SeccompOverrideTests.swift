import Testing
@testable import SandboxCore

/// Inline edits on top of a base policy can change any syscall but the guards.
struct SeccompOverrideTests {
    let strict = BuiltinSeccompPolicies.named("strict")!

    @Test func editsReplaceTheBaseRulesForTheirSyscalls() {
        let (policy, _) = strict.overriding(with: [SeccompRule(syscall: "clone3", action: .allow),
                                                   SeccompRule(syscall: "ptrace", action: .allow)])
        #expect(policy.action(for: "clone3") == .allow)
        #expect(policy.action(for: "ptrace") == .allow)
        #expect(policy.action(for: "getpid") == .allow)
    }

    @Test func denyingRemovesFromTheAllowlist() {
        let (policy, _) = strict.denying(["getpid", "kill"], errno: 13)
        #expect(policy.action(for: "getpid") == .errno(13))
        #expect(policy.action(for: "kill") == .errno(13))
        let (same, _) = strict.denying(["getpid"])  // EPERM is the default: no rule needed
        #expect(same.rules(for: "getpid").isEmpty && same.action(for: "getpid") == .errno(1))
    }

    @Test func editsCannotRemoveTheGuards() {
        let (policy, _) = strict.overriding(with: [SeccompRule(syscall: "chmod", action: .allow),
                                                   SeccompRule(syscall: "openat2", action: .allow),
                                                   SeccompRule(syscall: "io_uring_setup", action: .allow)])
        #expect(policy.action(for: "chmod", args: [0, 0o4755]) == .errno(1))
        #expect(policy.action(for: "chmod", args: [0, 0o755]) == .allow)
        #expect(policy.action(for: "openat2") == .errno(38))
        #expect(policy.action(for: "io_uring_setup") == .errno(1))
    }
}
