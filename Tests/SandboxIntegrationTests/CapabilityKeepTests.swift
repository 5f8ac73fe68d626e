#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// `[capabilities] keep`: exactly the named capabilities reach the command (effective,
/// permitted, ambient and bounding), in its user namespace; none by default.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: creates namespaces"))
struct CapabilityKeepTests {
    func capabilityLines(keep: [String]) throws -> [String: UInt64] {
        var template = Array("/tmp/sandbox-caps-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { _ = try? Subprocess.run(["rm", "-rf", dir]) }
        chown(dir, 1000, 1000)
        var profile = BuiltinProfiles.strict
        profile.capabilities.keep = keep
        let plan = try Planner.plan(profile: profile, request: RunRequest(command: ["/bin/sh", "-c", "grep ^Cap /proc/self/status > caps"]),
                                    host: HostProbe.facts(), worktree: WorktreeInfo(name: "caps", path: dir, ownerUID: 1000, ownerGID: 1000))
        let report = SandboxRunner.run(plan, isRoot: true)
        #expect(report.exitCode == 0, "\(report.error?.message ?? "")")
        var result: [String: UInt64] = [:]
        for line in try FileSystem.readText(dir + "/caps").split(separator: "\n") {
            let parts = line.split(separator: ":")
            result[String(parts[0])] = UInt64(parts[1].trimmingPrefix(while: { $0 == "\t" || $0 == " " }), radix: 16)
        }
        return result
    }

    @Test func keptCapabilityReachesTheCommandAndNothingElse() throws {
        let bit: UInt64 = 1 << 10  // CAP_NET_BIND_SERVICE
        let caps = try capabilityLines(keep: ["CAP_NET_BIND_SERVICE"])
        #expect(caps["CapEff"] == bit && caps["CapPrm"] == bit && caps["CapAmb"] == bit && caps["CapBnd"] == bit, "\(caps)")
    }

    @Test func noneByDefault() throws {
        let caps = try capabilityLines(keep: [])
        #expect(caps["CapEff"] == 0 && caps["CapPrm"] == 0 && caps["CapAmb"] == 0 && caps["CapBnd"] == 0 && caps["CapInh"] == 0)
    }

    @Test func unknownNameIsRefused() throws {
        #expect(throws: SandboxError.self) { try CapabilityNames.mask(["CAP_NO_SUCH"]) }
        #expect(try CapabilityNames.mask(["CAP_CHOWN", "cap_kill"]) == (1 << 0 | 1 << 5))
    }
}
