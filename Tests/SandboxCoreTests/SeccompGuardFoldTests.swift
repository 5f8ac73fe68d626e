import Testing
@testable import SandboxCore

/// `BaselineGuards.fold(into:)`: any policy, whatever its default, ends up refusing the
/// setuid/setgid bits, answering ENOSYS to openat2 and denying io_uring; never loosens;
/// folding twice changes nothing.
struct SeccompGuardFoldTests {
    static let eperm = SeccompAction.errno(1)
    let allowAll = SeccompPolicy(defaultAction: .allow, rules: [])
    let denyAll = SeccompPolicy(defaultAction: .errno(1), rules: [])

    func denyDefault(allowing names: [String], extra: [SeccompRule] = []) -> SeccompPolicy {
        SeccompPolicy(defaultAction: .errno(1), rules: names.map { SeccompRule(syscall: $0, action: .allow) } + extra)
    }

    /// (syscall, args, refused?) for the mode guards.
    static let modeCases: [(String, [UInt64], Bool)] = [
        ("chmod", [0, 0o755], false), ("chmod", [0, 0o4755], true), ("chmod", [0, 0o2755], true), ("chmod", [0, 0o6755], true),
        ("chmod", [0, 0o1777], false),  // sticky bit is fine
        ("fchmod", [3, 0o4711], true), ("fchmodat", [0, 0, 0o2700], true), ("fchmodat2", [0, 0, 0o4000, 0], true),
        ("fchmodat", [0, 0, 0o644], false), ("creat", [0, 0o4755], true), ("creat", [0, 0o644], false),
        ("mkdir", [0, 0o2775], true), ("mkdirat", [0, 0, 0o755], false), ("mknod", [0, 0o104755, 0], true),
        ("mknodat", [0, 0, 0o10644, 0], false),
        ("open", [0, Sys.oCreat, 0o4755], true), ("open", [0, Sys.oRdonly, 0o4755], false), ("open", [0, Sys.oCreat, 0o755], false),
        ("openat", [0, 0, Sys.oCreat | 1, 0o2755], true), ("openat", [0, 0, Sys.oTmpfile | 2, 0o4700], true),
        ("openat", [0, 0, 2, 0o6777], false),  // no create: the mode is ignored by the kernel
        ("openat", [0, 0, Sys.oCreat, 0o644], false),
    ]

    @Test func modeGuardsHoldUnderADefaultThatAllows() {
        let policy = BaselineGuards.fold(into: allowAll).policy
        for (name, args, refused) in Self.modeCases {
            #expect(policy.action(for: name, args: args) == (refused ? Self.eperm : .allow), "\(name) \(args)")
        }
    }

    @Test func modeGuardsHoldWhenADefaultDenyPolicyAllowsTheCalls() {
        let names = ["chmod", "fchmod", "fchmodat", "fchmodat2", "creat", "mkdir", "mkdirat", "mknod", "mknodat", "open", "openat"]
        let policy = BaselineGuards.fold(into: denyDefault(allowing: names)).policy
        for (name, args, refused) in Self.modeCases {
            #expect(policy.action(for: name, args: args) == (refused ? Self.eperm : .allow), "\(name) \(args)")
        }
        // Under default deny the guards are allow rules: nothing but the default denies.
        #expect(policy.rules.filter { names.contains($0.syscall) }.allSatisfy { $0.action == .allow && !$0.args.isEmpty })
    }

    @Test func aCallThePolicyDeniesStaysDenied() {
        let policy = BaselineGuards.fold(into: denyDefault(allowing: ["getpid"])).policy
        #expect(policy.action(for: "chmod", args: [0, 0o644]) == Self.eperm)
        let killing = SeccompPolicy(defaultAction: .allow, rules: [SeccompRule(syscall: "chmod", action: .killProcess)])
        let folded = BaselineGuards.fold(into: killing).policy
        #expect(folded.rules(for: "chmod") == [SeccompRule(syscall: "chmod", action: .killProcess)])
        #expect(folded.action(for: "chmod", args: [0, 0o644]) == .killProcess)
    }

    @Test func aPolicysOwnConditionalDenialsAreKeptUnderAllow() {
        let own = SeccompRule(syscall: "chmod", action: .errno(13), args: [SeccompArgument(index: 1, op: .equal, value: 0o777)])
        let policy = BaselineGuards.fold(into: SeccompPolicy(defaultAction: .allow, rules: [own])).policy
        #expect(policy.rules(for: "chmod").first == own)
        #expect(policy.action(for: "chmod", args: [0, 0o777]) == .errno(13))
        #expect(policy.action(for: "chmod", args: [0, 0o4755]) == Self.eperm)
    }

    @Test func conditionalAllowsAreNarrowedOrDropped() {
        let maskedAllow = SeccompRule(syscall: "chmod", action: .allow, args: [SeccompArgument(index: 1, op: .maskedEqual, value: 0o7000, valueTwo: 0o4000)])
        let eqClean = SeccompRule(syscall: "mkdir", action: .allow, args: [SeccompArgument(index: 1, op: .equal, value: 0o755)])
        let eqSetuid = SeccompRule(syscall: "mknod", action: .allow, args: [SeccompArgument(index: 1, op: .equal, value: 0o4755)])
        let greater = SeccompRule(syscall: "creat", action: .allow, args: [SeccompArgument(index: 1, op: .greater, value: 0o100)])
        let byFd = SeccompRule(syscall: "fchmod", action: .allow, args: [SeccompArgument(index: 0, op: .equal, value: 3)])
        let (policy, notes) = BaselineGuards.fold(into: denyDefault(allowing: [], extra: [maskedAllow, eqClean, eqSetuid, greater, byFd]))
        #expect(policy.rules(for: "chmod").isEmpty)      // allowed only setuid modes
        #expect(policy.rules(for: "mkdir") == [eqClean])  // already implies a clean mode
        #expect(policy.rules(for: "mknod").isEmpty)
        #expect(policy.rules(for: "creat").isEmpty)       // "mode > 0o100" cannot be combined: denied
        #expect(policy.rules(for: "fchmod") == [SeccompRule(syscall: "fchmod", action: .allow, args: [
            SeccompArgument(index: 0, op: .equal, value: 3),
            SeccompArgument(index: 1, op: .maskedEqual, value: 0o6000, valueTwo: 0),
        ])])
        #expect(policy.action(for: "fchmod", args: [3, 0o4755]) == Self.eperm)
        #expect(policy.action(for: "fchmod", args: [3, 0o755]) == .allow)
        #expect(notes.contains { $0.hasPrefix("creat:") && $0.contains("cannot be combined") })
        #expect(notes.contains { $0.hasPrefix("chmod:") && $0.contains("only setuid/setgid") })
    }

    @Test func maskedAllowMergesIntoOneComparison() {
        let rule = SeccompRule(syscall: "openat", action: .allow, args: [SeccompArgument(index: 3, op: .maskedEqual, value: 0o700, valueTwo: 0o700)])
        let policy = BaselineGuards.fold(into: denyDefault(allowing: [], extra: [rule])).policy
        #expect(policy.rules(for: "openat").contains(SeccompRule(syscall: "openat", action: .allow, args: [
            SeccompArgument(index: 3, op: .maskedEqual, value: 0o6700, valueTwo: 0o700),
        ])))
        #expect(policy.action(for: "openat", args: [0, 0, Sys.oCreat, 0o4700]) == Self.eperm)
        #expect(policy.action(for: "openat", args: [0, 0, Sys.oCreat, 0o700]) == .allow)
        #expect(policy.action(for: "openat", args: [0, 0, 0, 0o4700]) == .allow)  // no create: mode unused
        #expect(policy.structuralProblems().isEmpty)
    }

    @Test func openat2IsENOSYSAndIoUringDeniedWhateverThePolicySays() {
        let permissive = SeccompPolicy(defaultAction: .allow, rules: [SeccompRule(syscall: "io_uring_enter", action: .log)])
        let allowing = denyDefault(allowing: ["openat2", "io_uring_setup", "io_uring_enter", "io_uring_register"])
        for policy in [permissive, allowing, allowAll] {
            let folded = BaselineGuards.fold(into: policy).policy
            #expect(folded.action(for: "openat2") == .errno(38))
            for name in ["io_uring_setup", "io_uring_enter", "io_uring_register"] {
                #expect(!folded.action(for: name).permits, "\(name)")
            }
        }
        let harsher = SeccompPolicy(defaultAction: .allow, rules: [SeccompRule(syscall: "openat2", action: .killProcess)])
        #expect(BaselineGuards.fold(into: harsher).policy.action(for: "openat2") == .killProcess)
        // A default of exactly ENOSYS needs no rule (libseccomp refuses one equal to the default).
        let enosysDefault = SeccompPolicy(defaultAction: .errno(38), rules: [])
        #expect(BaselineGuards.fold(into: enosysDefault).policy.rules.isEmpty)
    }

    @Test func foldingIsIdempotent() throws {
        var policies = [allowAll, denyAll, denyDefault(allowing: ["open", "openat", "chmod", "mkdir", "getpid"]),
                        SeccompPolicy(defaultAction: .log, rules: [SeccompRule(syscall: "chmod", action: .trap)]),
                        SeccompPolicy(defaultAction: .killProcess, rules: [SeccompRule(syscall: "openat", action: .allow,
                            args: [SeccompArgument(index: 2, op: .maskedEqual, value: 3, valueTwo: 0)])])]
        policies += BuiltinSeccompPolicies.names.compactMap(BuiltinSeccompPolicies.named)
        if let docker = SeccompFixtures.dockerDefault {
            policies.append(try OCISeccompProfile.parse(docker, source: "d.json").resolve(.init(kernel: SeccompFixtures.kernel)).policy)
        }
        for policy in policies {
            let once = BaselineGuards.fold(into: policy).policy
            #expect(BaselineGuards.fold(into: once).policy == once)
            #expect(once.normalized().policy == once)
            #expect(once.structuralProblems().isEmpty)
        }
    }

    @Test func ruleOutsideTheGuardsIsUntouched() {
        let rules = [SeccompRule(syscall: "getpid", action: .allow), SeccompRule(syscall: "kill", action: .errno(3), args: [SeccompArgument(index: 1, op: .equal, value: 9)])]
        let folded = BaselineGuards.fold(into: SeccompPolicy(defaultAction: .errno(1), rules: rules)).policy
        #expect(Array(folded.rules.prefix(2)) == rules)
    }
}
