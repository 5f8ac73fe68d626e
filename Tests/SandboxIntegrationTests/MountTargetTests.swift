#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// Escape class: a link inside the worktree redirecting a mount. Mount targets below the
/// worktree are walked without following symlinks; a link swapped in after planning (the
/// agent edits the worktree from outside while `sandbox` starts) must make the run fail,
/// never mount onto the link's target. Runs for real (root, real namespaces).
@Suite(.serialized)
struct MountTargetTests {
    let dir: String

    init() {
        var template = Array("/tmp/sandbox-mounttarget-XXXXXX".utf8CString)
        dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    }

    func cleanup() { _ = try? Subprocess.run(["rm", "-rf", dir]) }

    /// The plan of a main worktree (its `.git` is a directory, made read-only in place),
    /// then `.git` is replaced by a symlink to a host directory before the run.
    func planThenSwap(linkTarget: String) throws -> SandboxPlan {
        let worktree = dir + "/wt"
        #expect(mkdir(worktree, 0o755) == 0 && mkdir(worktree + "/.git", 0o755) == 0)
        var st = stat()
        stat(worktree, &st)
        let info = WorktreeInfo(name: "wt", path: worktree, ownerUID: st.st_uid, ownerGID: st.st_gid, gitDirectoryInside: true)
        let plan = try Planner.plan(profile: BuiltinProfiles.strict, request: RunRequest(command: ["/usr/bin/true"]),
                                    host: HostProbe.facts(), worktree: info)
        #expect(plan.mounts.contains { $0.kind == .readOnly && $0.target == worktree + "/.git" })
        #expect(rmdir(worktree + "/.git") == 0 && symlink(linkTarget, worktree + "/.git") == 0)
        return plan
    }

    @Test(.enabled(if: getuid() == 0, "needs root: creates namespaces and idmapped mounts"))
    func symlinkSwappedInAfterPlanningFailsTheRun() throws {
        defer { cleanup() }
        let victim = dir + "/victim"
        #expect(mkdir(victim, 0o755) == 0)
        let plan = try planThenSwap(linkTarget: victim)
        let report = SandboxRunner.run(plan, isRoot: true)
        #expect(report.status == .setupFailed)
        #expect(report.exitCode == 125)
        #expect(report.error?.message.contains("ELOOP") == true, "\(report.error?.message ?? "")")
        #expect(report.error?.message.contains(dir + "/wt/.git") == true, "the error names the path")
    }

    @Test(.enabled(if: getuid() == 0, "needs root: creates namespaces and idmapped mounts"))
    func fifoNamedLikeAMountTargetFailsTheRun() throws {
        defer { cleanup() }
        let worktree = dir + "/wt"
        #expect(mkdir(worktree, 0o755) == 0 && mkdir(worktree + "/.git", 0o755) == 0)
        var st = stat()
        stat(worktree, &st)
        let info = WorktreeInfo(name: "wt", path: worktree, ownerUID: st.st_uid, ownerGID: st.st_gid, gitDirectoryInside: true)
        let plan = try Planner.plan(profile: BuiltinProfiles.strict, request: RunRequest(command: ["/usr/bin/true"]),
                                    host: HostProbe.facts(), worktree: info)
        #expect(rmdir(worktree + "/.git") == 0 && mkfifo(worktree + "/.git", 0o644) == 0)
        let report = SandboxRunner.run(plan, isRoot: true)
        #expect(report.status == .setupFailed && report.exitCode == 125)
    }
}
