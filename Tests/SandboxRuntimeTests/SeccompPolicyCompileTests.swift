import Foundation
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// Every built-in policy and an imported Docker-format file, folded, compile with this
/// host's libseccomp; and the compiled BPF answers what the pure evaluator says.
struct SeccompPolicyCompileTests {
    static let policies: [(String, SeccompPolicy)] = BuiltinSeccompPolicies.names.map { ($0, BuiltinSeccompPolicies.named($0)!) }

    @Test(arguments: BuiltinSeccompPolicies.names)
    func builtinCompilesWithEveryNameKnown(_ name: String) throws {
        let policy = try #require(BuiltinSeccompPolicies.named(name))
        let (kept, skipped) = try SeccompCompiler.droppingUnknownSyscalls(policy)
        #expect(skipped.isEmpty, "\(name) names syscalls libseccomp does not know: \(skipped)")
        #expect(kept == policy)
        let program = try SeccompCompiler.compile(policy)
        #expect(program.instructionCount > policy.rules.count / 2)
        #expect(program.instructionCount < 4096)  // BPF_MAXINSNS
    }

    static func number(_ name: String) -> Int32 { (try? SeccompCompiler.syscallNumber(name)) ?? -1 }

    /// Calls and arguments whose verdict the BPF and the evaluator must agree on.
    static let probes: [(String, [UInt64])] = {
        var p: [(String, [UInt64])] = []
        for name in ["getpid", "read", "ptrace", "mount", "unshare", "bpf", "keyctl", "io_uring_setup", "openat2",
                     "clone3", "userfaultfd", "modify_ldt", "process_vm_readv", "fchmodat2", "reboot", "seccomp"] {
            p.append((name, []))
        }
        for mode: UInt64 in [0o755, 0o4755, 0o2755, 0o1777, 0x1_0000_0755, 0x1_0000_4755] {
            for name in ["chmod", "fchmod", "mkdir", "creat", "mknod"] { p.append((name, [0, mode, 0])) }
            p.append(("fchmodat", [0, 0, mode])); p.append(("fchmodat2", [0, 0, mode, 0]))
            for flags: UInt64 in [0, 1, 0o100, 0o20200000, 0o100 | 0o1000] {
                p.append(("open", [0, flags, mode])); p.append(("openat", [0, 0, flags, mode]))
            }
        }
        for request: UInt64 in [0x5401, 0x5412, 0x541C, 0x1_0000_5412, 0xFFFF_FFFF_0000_541C, 0x5413, 0x4004_6611, 0x1_0000_5401] {
            p.append(("ioctl", [1, request, 0]))
        }
        for family: UInt64 in [1, 2, 10, 16, 37, 38, 39, 40, 41, 0x1_0000_0026, 0x1_0000_0028, 0x1_0000_0002] {
            p.append(("socket", [family, 1, 0]))
        }
        for flags: UInt64 in [0x0120_0011, 0x3d0f00, 0x4111, 0x1000_0011, 0x0002_0011, 0x4000_0000, 0x1_0000_0011] {
            p.append(("clone", [flags, 0, 0]))
        }
        for persona: UInt64 in [0, 8, 0x2_0000, 0x2_0008, 0xffff_ffff, 0x40_0000, 0x1_0000_0000] {
            p.append(("personality", [persona]))
        }
        return p
    }()

    @Test(arguments: BuiltinSeccompPolicies.names)
    func compiledFilterAgreesWithTheEvaluator(_ name: String) throws {
        let policy = try #require(BuiltinSeccompPolicies.named(name))
        let bpf = ClassicBPF(bytes: try SeccompCompiler.compile(policy).bytes)
        for (call, args) in Self.probes {
            let verdict = try bpf.run(ClassicBPF.data(nr: Self.number(call), args: args))
            let expected = SeccompCompiler.action(policy.action(for: call, args: args))
            #expect(verdict == expected, "\(name): \(call) \(args.map { String($0, radix: 16) }): BPF \(String(verdict, radix: 16)), evaluator \(String(expected, radix: 16))")
        }
    }

    @Test func otherArchitecturesGetTheBadArchAction() throws {
        for (name, policy) in Self.policies {
            let bpf = ClassicBPF(bytes: try SeccompCompiler.compile(policy).bytes)
            // i386 getpid (20) and an x32 call (bit 30 set): killed, even under "baseline".
            #expect(try bpf.run(ClassicBPF.data(nr: 20, arch: ClassicBPF.auditArchI386, args: [])) == 0x8000_0000, "\(name) i386")
            #expect(try bpf.run(ClassicBPF.data(nr: 0x4000_0000 | 39, args: [])) == 0x8000_0000, "\(name) x32")
        }
    }

    @Test func dockerFormatPolicyOfOurOwnCompilesOnceFolded() throws {
        let (policy, _) = try OCISeccompProfile.load(try readAll(smallPolicyPath), source: "small.json",
                                                     context: .init(kernel: KernelVersion(major: 6, minor: 18)))
        let program = try SeccompCompiler.compile(policy)
        let bpf = ClassicBPF(bytes: program.bytes)
        #expect(try bpf.run(ClassicBPF.data(nr: Self.number("kill"), args: [1, 9])) == 0x0005_0003)
        #expect(try bpf.run(ClassicBPF.data(nr: Self.number("kill"), args: [1, 15])) == 0x7fff_0000)
        #expect(try bpf.run(ClassicBPF.data(nr: Self.number("chmod"), args: [0, 0o4755])) == 0x0005_0001)
        #expect(try bpf.run(ClassicBPF.data(nr: Self.number("chmod"), args: [0, 0o755])) == 0x7fff_0000)
        #expect(try bpf.run(ClassicBPF.data(nr: Self.number("uname"), args: [])) == 0x0005_0026)
    }

    @Test(.enabled(if: readAllIfPresent(dockerDefaultPath) != nil, "Docker's default profile is not at \(dockerDefaultPath)"))
    func dockerDefaultCompilesOnceFoldedSkippingNamesLibseccompLacks() throws {
        let bytes = try #require(readAllIfPresent(dockerDefaultPath))
        let (policy, _) = try OCISeccompProfile.load(bytes, source: "docker.json", context: .init(kernel: KernelVersion(major: 6, minor: 18)))
        let (known, skipped) = try SeccompCompiler.droppingUnknownSyscalls(policy)
        // Names newer than libseccomp 2.5.4 (cachestat, mseal, ...) and other ABIs' names.
        #expect(!skipped.isEmpty && !skipped.contains("chmod") && !skipped.contains("fchmodat2"))
        let bpf = ClassicBPF(bytes: try SeccompCompiler.compile(known).bytes)
        for (call, args) in Self.probes {
            let verdict = try bpf.run(ClassicBPF.data(nr: Self.number(call), args: args))
            #expect(verdict == SeccompCompiler.action(known.action(for: call, args: args)), "\(call) \(args)")
        }
    }

    @Test func unknownDenialUnderAllowIsAnErrorNotASkip() {
        let policy = SeccompPolicy(defaultAction: .allow, rules: [SeccompRule(syscall: "no_such_call", action: .errno(1))])
        #expect(throws: SandboxError.self) { try SeccompCompiler.droppingUnknownSyscalls(policy) }
        let allowing = SeccompPolicy(defaultAction: .errno(1), rules: [SeccompRule(syscall: "no_such_call", action: .allow)])
        #expect((try? SeccompCompiler.droppingUnknownSyscalls(allowing).skipped) == ["no_such_call"])
    }
}

/// Docker's default profile, read from the shared fixtures only when present (never copied).
/// `../shared/` beside the checkout (developers and CI have it; users do not).
let dockerDefaultPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../shared/fixtures/docker-default-seccomp.json").standardized.path
/// The Docker-format policy written for these tests, kept with the core tests.
let smallPolicyPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../SandboxCoreTests/Fixtures/seccomp/small-docker-policy.json").standardized.path

func readAll(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
func readAllIfPresent(_ path: String) -> [UInt8]? { try? readAll(path) }
