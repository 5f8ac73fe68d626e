import Testing
@testable import SandboxCore

struct EnvironmentOverrideTests {
    @Test func parsesSetAndPassThrough() throws {
        #expect(try EnvironmentOverride(parsing: "A=b=c") == EnvironmentOverride(name: "A", value: "b=c"))
        #expect(try EnvironmentOverride(parsing: "A=") == EnvironmentOverride(name: "A", value: ""))
        #expect(try EnvironmentOverride(parsing: "_X1") == EnvironmentOverride(name: "_X1", value: nil))
    }

    @Test func rejectsInvalidNames() {
        for bad in ["", "=x", "1A=x", "A-B=x", "A B", "Ä=x"] {
            #expect(throws: SandboxError.self, "\(bad)") { try EnvironmentOverride(parsing: bad) }
        }
    }
}

struct TerminationTests {
    @Test func exitCodes() {
        #expect(Termination.exited(code: 0).exitCode == 0)
        #expect(Termination.exited(code: 42).exitCode == 42)
        #expect(Termination.signaled(signal: 15).exitCode == 143)
        #expect(Termination.signaled(signal: 9).exitCode == 137)
        #expect(Termination.setupFailed(SandboxError(.setup, "x")).exitCode == 125)
        #expect(Termination.setupFailed(SandboxError(.exec, "x", exitCode: ExitCodes.notFound)).exitCode == 127)
    }

    @Test func reportCarriesStatusSignalAndError() {
        let signaled = RunReport(id: "1", worker: "w", worktree: "/w", profile: "strict", command: ["sleep"],
                                 termination: .signaled(signal: 15), startedAt: "t", wallMs: 1, cpuUserMs: 0, cpuSystemMs: 0)
        #expect(signaled.status == .signaled && signaled.signal == 15 && signaled.exitCode == 143 && signaled.error == nil)
        let failed = RunReport(id: "1", worker: "w", worktree: "/w", profile: "strict", command: ["x"],
                               termination: .setupFailed(SandboxError(.setup, "mount `/usr`: boom")), startedAt: "t",
                               wallMs: 1, cpuUserMs: 0, cpuSystemMs: 0)
        #expect(failed.status == .setupFailed && failed.exitCode == 125 && failed.signal == nil)
        #expect(failed.error == RunReport.ErrorInfo(stage: "setup", message: "mount `/usr`: boom"))
    }
}

struct BaselineGuardTests {
    @Test func everyModeTakingCallRefusesSetuidAndSetgid() {
        let rules = BaselineGuards.rules
        for name in ["chmod", "fchmod", "fchmodat", "fchmodat2", "creat", "mkdir", "mkdirat", "mknod", "mknodat", "open", "openat"] {
            for bit: UInt64 in [0o4000, 0o2000] {
                #expect(rules.contains { rule in
                    rule.syscall == name && rule.action == .errno(1)
                        && rule.args.contains { $0.op == .maskedEqual && $0.value == bit && $0.valueTwo == bit }
                }, "\(name) \(String(bit, radix: 8))")
            }
        }
    }

    @Test func openRulesOnlyApplyWhenCreating() {
        for rule in BaselineGuards.rules where rule.syscall == "openat" {
            #expect(rule.args.count == 2)
            #expect(rule.args.contains { $0.index == 2 && ($0.value == 0o100 || $0.value == 0o20000000) })
        }
    }

    @Test func openat2AndIoUringAreClosed() {
        let rules = BaselineGuards.rules
        #expect(rules.contains(SeccompRule(syscall: "openat2", action: .errno(38))))
        #expect(rules.contains(SeccompRule(syscall: "io_uring_setup", action: .errno(1))))
        #expect(BaselineGuards.policy.defaultAction == .allow)
    }

    @Test func actionTextRoundTrips() throws {
        for action: SeccompAction in [.allow, .errno(1), .errno(38), .killProcess, .killThread, .trap, .log] {
            #expect(try SeccompAction(parsing: action.description) == action)
        }
        #expect(throws: SandboxError.self) { try SeccompAction(parsing: "errno:0") }
        #expect(throws: SandboxError.self) { try SeccompAction(parsing: "explode") }
    }
}

struct StartablePolicyTests {
    @Test func policiesMustLetTheCommandStart() throws {
        try BaselineGuards.policy.checkStartable()
        let denyAll = SeccompPolicy(defaultAction: .errno(1), rules: [])
        #expect(throws: SandboxError.self) { try denyAll.checkStartable() }
        let allowing = SeccompPolicy(defaultAction: .errno(1), rules: ["sendmsg", "close", "execve"].map {
            SeccompRule(syscall: $0, action: .allow)
        })
        try allowing.checkStartable()
        let conditional = SeccompPolicy(defaultAction: .errno(1), rules: [
            SeccompRule(syscall: "sendmsg", action: .allow), SeccompRule(syscall: "close", action: .allow),
            SeccompRule(syscall: "execve", action: .allow, args: [SeccompArgument(index: 0, op: .equal, value: 0)]),
        ])
        #expect(throws: SandboxError.self) { try conditional.checkStartable() }
    }
}
