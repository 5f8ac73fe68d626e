#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// A linked-worktree layout forged entirely inside the worktree passes the back-link and
/// listing checks (the attacker wrote both records), so it must be refused by location.
@Suite(.serialized)
struct GitMetadataForgeryTests {
    @Test func gitMetadataInsideTheWorktreeIsRefused() throws {
        var template = Array("/tmp/sandbox-forgery-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { _ = try? Subprocess.run(["rm", "-rf", dir]) }
        let wt = dir + "/wt", gitdir = wt + "/x/victim/worktrees/g"
        let setup = try Subprocess.run(["sh", "-c", """
            mkdir -p \(gitdir) && echo '\(wt)/.git' > \(gitdir)/gitdir && echo '../..' > \(gitdir)/commondir \
            && echo 'gitdir: \(gitdir)' > \(wt)/.git
            """])
        #expect(setup.status == 0)
        do {
            let found = try GitMetadata.inspect(worktree: wt)
            Issue.record("forged metadata accepted: \(found.readOnlyPaths)")
        } catch {
            #expect(error.stage == .worker && error.message.contains("inside the worktree"), "\(error)")
        }
    }
}
