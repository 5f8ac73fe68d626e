#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// Docker's own default seccomp profile, loaded as a profile's policy file, runs commands
/// and refuses what it refuses, by name. Read from `../shared/fixtures` beside the checkout
/// only when present (never copied into the project).
@Suite(.serialized)
struct DockerPolicyRunTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/fixtures/docker-default-seccomp.json").standardized.path

    func run(_ command: [String]) throws -> RunReport {
        var template = Array("/tmp/sandbox-docker-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { _ = try? Subprocess.run(["rm", "-rf", dir]) }
        chown(dir, 1000, 1000)
        var profile = BuiltinProfiles.strict
        profile.seccomp = SeccompSettings(policy: Self.path)
        let file = try SeccompPolicyFile.read(Self.path, worktree: dir, writable: [])
        let plan = try Planner.plan(profile: profile, request: RunRequest(command: command), host: HostProbe.facts(),
                                    worktree: WorktreeInfo(name: "docker", path: dir, ownerUID: 1000, ownerGID: 1000),
                                    seccompFile: file)
        return SandboxRunner.run(plan, isRoot: true)
    }

    @Test(.enabled(if: getuid() == 0 && access(path, R_OK) == 0, "needs root and ../shared/fixtures/docker-default-seccomp.json"))
    func dockerDefaultRunsCommandsAndNamesWhatItRefuses() throws {
        let ok = try run(["/bin/sh", "-c", "echo hello > f && cat f >/dev/null && ls >/dev/null"])
        #expect(ok.status == .exited && ok.exitCode == 0, "\(ok.error?.message ?? "")")
        // Docker's default refuses unshare without CAP_SYS_ADMIN; the guards still refuse
        // the setuid bit it would otherwise allow.
        let denied = try run(["/bin/sh", "-c", "unshare -U true; touch g; chmod 4755 g; test ! -u g"])
        #expect(denied.exitCode == 0)
        #expect(denied.deniedSyscalls.contains { $0.name == "unshare" })
        #expect(denied.deniedSyscalls.contains { $0.name == "fchmodat" })
    }
}
