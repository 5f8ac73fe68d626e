import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Worktrees prepared by an attacker (the code that ran in them before): links and forged
/// git files must not redirect a mount to host paths.
final class HostileWorktreeTests: SandboxTestCase {
    /// A directory in /root holding a world-readable secret: readable by the sandbox's
    /// unprivileged id if (and only if) a mount exposed it.
    func plantRootSecret() throws -> (dir: String, secret: String) {
        let dir = "/root/" + Harness.uniqueToken("sandbox-it")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        chmod(dir, 0o755)
        let secret = Harness.uniqueToken("secret")
        try Harness.write(secret, to: dir + "/secret", mode: 0o644)
        addTeardownBlock { Harness.removeTree(dir) }
        return (dir, secret)
    }

    func assertRefused(_ r: RunResult, mentioning word: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.exitCode, 125, r.summary, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line expected: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(word), r.stderr, file: file, line: line)
    }

    func testDotGitSymlinkIsRefused() throws {
        let wt = try Harness.makeWorktree(in: base)
        let (dir, _) = try plantRootSecret()
        symlink(dir, wt.path + "/.git")
        let r = try run(wt.path, wt.probe("try-write", wt.path + "/ran", "x"))
        assertRefused(r, mentioning: ".git")
        XCTAssertFalse(Harness.exists(wt.path + "/ran"), "the command ran")
    }

    func testDotGitSymlinkPlantedByAnEarlierRunIsRefused() throws {
        let wt = try Harness.makeWorktree(in: base)
        let (dir, _) = try plantRootSecret()
        // Run 1 (the attacker) plants the link from inside; it succeeds, pointing nowhere there.
        let plant = try probe(wt, "try-symlink", dir, wt.path + "/.git")
        XCTAssertTrue(plant.ok, "\(plant)")
        XCTAssertEqual(Harness.lstat(wt.path + "/.git").map { $0.st_mode & S_IFMT }, S_IFLNK)
        // Run 2 must not follow it.
        assertRefused(try run(wt.path, ["true"]), mentioning: ".git")
    }

    func testGitFileNamingAForeignGitdirIsRefusedOrHarmless() throws {
        let wt = try Harness.makeWorktree(in: base)
        let (dir, secret) = try plantRootSecret()
        try Harness.write("gitdir: \(dir)\n", to: wt.path + "/.git")
        let r = try run(wt.path, wt.probe("try-read", dir + "/secret"))
        if r.exitCode == 0 {
            XCTAssertFalse(try r.json().ok, "read a /root secret through a forged gitdir: \(r.summary)")
        } else {
            assertRefused(r, mentioning: dir)
        }
        XCTAssertFalse(r.stdout.contains(secret))
    }

    /// The back-link check: a gitdir that exists and looks like a worktree's, but belongs to
    /// another worktree (a sibling's), is not this worktree's metadata.
    func testGitFileNamingASiblingsGitdirIsRefused() throws {
        let repo = try GitFixture(base: base)
        let victim = try repo.addWorktree("victim")
        let attacker = try repo.addWorktree("attacker")
        try Harness.write("gitdir: \(repo.commonDir)/worktrees/victim\n", to: attacker + "/.git")
        let r = try run(attacker, ["true"])
        assertRefused(r, mentioning: "gitdir")
        XCTAssertTrue(Harness.exists(victim + "/.git"))
    }

    /// Mount targets are walked without following links inside the new root: a `.git`
    /// directory (main worktree, made read-only in place) replaced by a link between runs is
    /// refused, and a gitdir whose path runs through a link is resolved and checked.
    func testGitdirReachedThroughALinkInsideTheWorktreeIsHarmless() throws {
        let repo = try GitFixture(base: base)
        let wtPath = try repo.addWorktree("feature")
        let wt = Worktree(path: wtPath)
        try wt.installProbe()
        let (dir, secret) = try plantRootSecret()
        // A link in the worktree to the real gitdir: the claim resolves to the right place.
        symlink(repo.commonDir + "/worktrees/feature", wtPath + "/via-link")
        try Harness.write("gitdir: \(wtPath)/via-link\n", to: wtPath + "/.git")
        let r = try run(wtPath, ["git", "status", "--porcelain"])
        XCTAssertTrue(r.exitCode == 0 || r.exitCode == 125, r.summary)
        let read = try run(wtPath, wt.probe("try-read", dir + "/secret"))
        XCTAssertFalse(read.stdout.contains(secret), read.summary)
    }
}
