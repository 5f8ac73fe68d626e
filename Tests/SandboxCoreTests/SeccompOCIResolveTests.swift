import Testing
@testable import SandboxCore

/// Resolving a Docker-format profile for this machine: includes/excludes against the kept
/// capabilities, x86_64 (amd64) and the kernel; then with the guards folded in.
struct SeccompOCIResolveTests {
    typealias F = SeccompFixtures

    func small(caps: [String] = [], kernel: KernelVersion? = F.kernel) throws -> (policy: SeccompPolicy, warnings: [String]) {
        try OCISeccompProfile.parse(F.bytes(F.smallPolicyPath), source: "small.json")
            .resolve(SeccompResolveContext(capabilities: caps, kernel: kernel))
    }

    @Test func ourPolicyResolvesToExactlyTheRulesItStates() throws {
        let (policy, _) = try small()
        let allow = { (name: String) in SeccompRule(syscall: name, action: .allow) }
        #expect(policy.defaultAction == .errno(1))
        #expect(policy.badArchAction == .killProcess)
        #expect(policy.rules == [
            allow("read"), allow("write"), allow("close"), allow("exit_group"), allow("getpid"),
            SeccompRule(syscall: "kill", action: .errno(3), args: [SeccompArgument(index: 1, op: .equal, value: 9)]),
            SeccompRule(syscall: "kill", action: .allow, args: [SeccompArgument(index: 1, op: .notEqual, value: 9)]),
            SeccompRule(syscall: "clone", action: .allow, args: [SeccompArgument(index: 0, op: .maskedEqual, value: 0x7E02_0000, valueTwo: 0)]),
            SeccompRule(syscall: "ptrace", action: .killProcess),
            allow("chmod"), allow("mkdir"),
            allow("arch_prctl"),        // includes arches amd64: ours
            // s390_runtime_instr: includes s390x only; sync: excludes x86_64; mount: needs CAP_SYS_ADMIN
            allow("sethostname"),       // excluded only when CAP_SYS_ADMIN is kept
            allow("statx"),             // minKernel 4.11 <= 6.18; futex_waitv wants 99.0
            allow("openat2"),
            SeccompRule(syscall: "uname", action: .errno(38)),  // SCMP_ACT_TRACE
        ])
    }

    @Test func keptCapabilitiesSwitchEntries() throws {
        for spelling in ["CAP_SYS_ADMIN", "sys_admin", "SYS_ADMIN"] {
            let (policy, _) = try small(caps: [spelling])
            #expect(policy.rules.contains(SeccompRule(syscall: "mount", action: .allow)), "\(spelling)")
            #expect(!policy.rules.contains { $0.syscall == "sethostname" }, "\(spelling)")
        }
    }

    @Test func unknownKernelSkipsMinKernelEntriesAndSaysSo() throws {
        let (policy, warnings) = try small(kernel: nil)
        #expect(!policy.rules.contains { $0.syscall == "statx" })
        #expect(warnings.contains { $0.contains("kernel version is unknown") })
    }

    @Test func nonNativeArchitecturesAreNamedInAWarning() throws {
        let (_, warnings) = try small()
        #expect(warnings.contains { $0.contains("SCMP_ARCH_X32, SCMP_ARCH_X86") && $0.contains("kill the process") })
        #expect(!warnings.contains { $0.contains("SCMP_ARCH_ARM") })  // another machine's entry
    }

    @Test func aPolicyWithoutX86_64SaysItIsAppliedAnyway() throws {
        let p = try F.parse(#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_AARCH64"]}"#)
        #expect(p.resolve(.init()).warnings.contains { $0.contains("does not list SCMP_ARCH_X86_64") })
    }

    @Test func conflictingEntriesResolveToTheHarshest() throws {
        let p = try F.parse(#"""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}, {"names": ["getpid"], "action": "SCMP_ACT_KILL_PROCESS"},
          {"names": ["kill"], "action": "SCMP_ACT_ERRNO"}]}
        """#)
        let (policy, warnings) = p.resolve(.init())
        #expect(policy.rules == [SeccompRule(syscall: "getpid", action: .killProcess)])  // kill: same as the default, dropped
        #expect(warnings.contains { $0.contains("getpid") })
    }

    @Test func loadFoldsTheGuardsIn() throws {
        let (policy, warnings) = try OCISeccompProfile.load(F.bytes(F.smallPolicyPath), source: "small.json",
                                                            context: .init(kernel: F.kernel))
        #expect(policy.action(for: "chmod", args: [0, 0o755]) == .allow)
        #expect(policy.action(for: "chmod", args: [0, 0o4755]) == .errno(1))
        #expect(policy.action(for: "mkdir", args: [0, 0o2775]) == .errno(1))
        #expect(policy.action(for: "openat2") == .errno(38))
        #expect(policy.action(for: "fchmod", args: [0, 0o755]) == .errno(1))  // never allowed, stays denied
        #expect(policy.action(for: "ptrace") == .killProcess)
        #expect(warnings.allSatisfy { $0.hasPrefix("small.json: ") })
    }

    // MARK: Docker's own default profile (read from the shared fixtures only if present)

    func docker(caps: [String] = []) throws -> SeccompPolicy? {
        guard let bytes = F.dockerDefault else { return nil }
        return try OCISeccompProfile.parse(bytes, source: "docker-default.json")
            .resolve(SeccompResolveContext(capabilities: caps, kernel: F.kernel)).policy
    }

    @Test(.enabled(if: SeccompFixtures.dockerDefault != nil, "Docker's default profile is not at \(SeccompFixtures.dockerDefaultPath)"))
    func dockerDefaultResolvesAsDockerRunsIt() throws {
        let policy = try #require(try docker())
        #expect(policy.defaultAction == .errno(1))
        #expect(policy.action(for: "getpid") == .allow)
        #expect(policy.action(for: "ptrace") == .allow)         // minKernel 4.8
        #expect(policy.action(for: "arch_prctl") == .allow)     // includes amd64
        #expect(policy.action(for: "mount") == .errno(1))       // CAP_SYS_ADMIN only
        #expect(policy.action(for: "clone3") == .errno(38))     // ENOSYS without CAP_SYS_ADMIN
        #expect(policy.action(for: "clone", args: [Sys.forkFlags]) == .allow)
        #expect(policy.action(for: "clone", args: [Sys.cloneNewUser | Sys.sigchld]) == .errno(1))
        #expect(policy.action(for: "personality", args: [0xffff_ffff]) == .allow)
        #expect(policy.action(for: "personality", args: [0x0040_0000]) == .errno(1))
        #expect(policy.action(for: "socket", args: [Sys.afInet]) == .allow)
        #expect(policy.action(for: "socket", args: [Sys.afVsock]) == .errno(1))
        #expect(policy.action(for: "s390_runtime_instr") == .errno(1))
        #expect(policy.structuralProblems().isEmpty)
    }

    @Test(.enabled(if: SeccompFixtures.dockerDefault != nil, "Docker's default profile is not at \(SeccompFixtures.dockerDefaultPath)"))
    func dockerDefaultWithSysAdminAllowsMountAndNamespacedClone() throws {
        let policy = try #require(try docker(caps: ["CAP_SYS_ADMIN"]))
        #expect(policy.action(for: "mount") == .allow)
        #expect(policy.action(for: "clone", args: [Sys.cloneNewUser]) == .allow)
        #expect(policy.action(for: "clone3") == .allow)
    }

    @Test(.enabled(if: SeccompFixtures.dockerDefault != nil, "Docker's default profile is not at \(SeccompFixtures.dockerDefaultPath)"))
    func dockerDefaultKeepsTheGuardsOnceFolded() throws {
        let bytes = try #require(F.dockerDefault)
        let (policy, _) = try OCISeccompProfile.load(bytes, source: "docker.json", context: .init(kernel: F.kernel))
        #expect(policy.action(for: "chmod", args: [0, 0o4755]) == .errno(1))
        #expect(policy.action(for: "chmod", args: [0, 0o755]) == .allow)
        #expect(policy.action(for: "openat", args: [0, 0, Sys.oCreat, 0o6755]) == .errno(1))
        #expect(policy.action(for: "openat", args: [0, 0, Sys.oRdonly, 0o6755]) == .allow)
        #expect(policy.action(for: "openat", args: [0, 0, Sys.oTmpfile, 0o4700]) == .errno(1))
        #expect(policy.action(for: "openat2") == .errno(38))
        #expect(policy.action(for: "io_uring_setup") == .errno(1))
        #expect(BaselineGuards.fold(into: policy).policy == policy)
    }
}
