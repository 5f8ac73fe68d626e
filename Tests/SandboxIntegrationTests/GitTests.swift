import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// git inside a real linked worktree: status, diff and log work; shared git state is read-only.
final class GitTests: SandboxTestCase {
    func checkGitWorks(owner: uid_t) throws {
        let repo = try GitFixture(base: base)
        let wt = try repo.addWorktree("feature")
        try Harness.write("one\ntwo\n", to: wt + "/file.txt")
        if owner != 0 { try Harness.chownRecursively(base, owner, owner) }

        let status = try run(wt, ["git", "status", "--porcelain=v1", "--branch"])
        XCTAssertEqual(status.exitCode, 0, status.summary)
        XCTAssertTrue(status.stdout.contains("## feature"), status.summary)
        XCTAssertTrue(status.stdout.contains(" M file.txt"), status.summary)

        let diff = try run(wt, ["git", "diff"])
        XCTAssertEqual(diff.exitCode, 0, diff.summary)
        XCTAssertTrue(diff.stdout.contains("\n+two"), diff.summary)

        let log = try run(wt, ["git", "log", "--oneline"])
        XCTAssertEqual(log.exitCode, 0, log.summary)
        XCTAssertTrue(log.stdout.contains("first commit"), log.summary)
    }

    func testGitWorksInRootOwnedLinkedWorktree() throws { try checkGitWorks(owner: 0) }

    func testGitWorksInUserOwnedLinkedWorktree() throws { try checkGitWorks(owner: 1000) }

    /// WORKER as a name, resolved from inside the repository (basename, then branch). The
    /// runner runs as root and the repository may belong to the user who owns the worktrees:
    /// git's safe.directory check must not make every name "unknown".
    func checkWorkerNameResolves(owner: uid_t) throws {
        let repo = try GitFixture(base: base)
        try repo.addWorktree("feature")
        if owner != 0 { try Harness.chownRecursively(base, owner, owner) }
        for name in ["feature"] {
            let r = try Launch.start([sandbox, "run", name, "--", "git", "rev-parse", "--abbrev-ref", "HEAD"], cwd: repo.main)
                .wait(timeout: 60)
            XCTAssertEqual(r.exitCode, 0, r.summary)
            XCTAssertEqual(r.stdout, "feature\n")
        }
    }

    func testWorkerNameResolvesInRootOwnedRepository() throws { try checkWorkerNameResolves(owner: 0) }

    func testWorkerNameResolvesInUserOwnedRepository() throws { try checkWorkerNameResolves(owner: 1000) }

    func testSharedGitStateIsNotWritable() throws {
        let repo = try GitFixture(base: base)
        let wtPath = try repo.addWorktree("feature")
        let wt = Worktree(path: wtPath)
        try wt.installProbe()
        let headBefore = try GitFixture.git(["rev-parse", "feature"], in: repo.main).stdout
        let refsBefore = try GitFixture.git(["for-each-ref"], in: repo.main).stdout

        let commit = try run(wtPath, ["git", "commit", "-q", "--allow-empty", "-m", "from inside"],
                             options: ["--env", "GIT_AUTHOR_NAME=x", "--env", "GIT_AUTHOR_EMAIL=x@x", "--env", "GIT_COMMITTER_NAME=x", "--env", "GIT_COMMITTER_EMAIL=x@x"])
        XCTAssertNotEqual(commit.exitCode, 0, "a commit from inside succeeded: \(commit.summary)")
        XCTAssertNotEqual(try run(wtPath, ["git", "branch", "other"]).exitCode, 0)
        for path in [repo.commonDir + "/HEAD", repo.commonDir + "/config", repo.commonDir + "/worktrees/feature/HEAD",
                     repo.commonDir + "/objects/new-object", repo.commonDir + "/hooks/post-checkout"] {
            let r = try probe(wt, "try-write", path, "x")
            XCTAssertFalse(r.ok, "wrote \(path): \(r)")
        }
        // The canonical clone's working files are not part of the sandbox at all.
        XCTAssertFalse(try probe(wt, "try-read", repo.main + "/file.txt").ok)

        XCTAssertEqual(try GitFixture.git(["rev-parse", "feature"], in: repo.main).stdout, headBefore)
        XCTAssertEqual(try GitFixture.git(["for-each-ref"], in: repo.main).stdout, refsBefore)
        XCTAssertFalse(Harness.exists(repo.commonDir + "/hooks/post-checkout"))
        XCTAssertFalse(Harness.exists(repo.commonDir + "/objects/new-object"))
    }

    func testMainWorktreeGitDirectoryIsReadOnly() throws {
        let repo = try GitFixture(base: base)
        let wt = Worktree(path: repo.main)
        try wt.installProbe()
        // The main worktree is refused unless asked for (issue 6).
        let refused = try run(repo.main, ["true"])
        XCTAssertEqual(refused.exitCode, 125, refused.summary)
        XCTAssertTrue(refused.stderr.contains("main worktree"), refused.summary)
        let allowMain = ["--allow-main"]
        let log = try run(repo.main, ["git", "log", "--oneline"], options: allowMain)
        XCTAssertEqual(log.exitCode, 0, log.summary)
        XCTAssertTrue(log.stdout.contains("first commit"))
        func tryWrite(_ path: String, _ text: String) throws -> Bool {
            let r = try run(wt.path, wt.probe("try-write", path, text), options: allowMain)
            XCTAssertEqual(r.exitCode, 0, r.summary)
            return try r.json().ok
        }
        XCTAssertFalse(try tryWrite(repo.commonDir + "/config", "x"))
        XCTAssertFalse(try tryWrite(repo.commonDir + "/hooks/pre-commit", "#!/bin/sh"))
        XCTAssertFalse(Harness.exists(repo.commonDir + "/hooks/pre-commit"))
        // The rest of the worktree stays writable.
        XCTAssertTrue(try tryWrite(repo.main + "/new.txt", "x"))
    }
}
