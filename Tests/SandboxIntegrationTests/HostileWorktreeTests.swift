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

    /// A forged linked-worktree layout made entirely inside the worktree: `.git` names a
    /// gitdir under `x/victim/`, whose `gitdir` file points back and whose `commondir` lists
    /// it. Every check passes on paths the attacker wrote, and the runner then binds
    /// `<wt>/x/victim` from the *host* path, following links in it: swap `x` for a link to
    /// the worktree's parent after the checks, and the sibling worktree `victim` is mounted.
    func makeForgedGitLayout() throws -> (wt: Worktree, victimSecret: String, readPath: String) {
        let wt = try Harness.makeWorktree(in: base)
        let victim = try Harness.makeWorktree(in: base, name: "victim", withProbe: false)
        let secret = Harness.uniqueToken("sibling-secret")
        try Harness.write(secret, to: victim.path + "/canary")
        let gitdir = wt.path + "/x/victim/worktrees/g"
        try FileManager.default.createDirectory(atPath: gitdir, withIntermediateDirectories: true)
        try Harness.write(wt.path + "/.git\n", to: gitdir + "/gitdir")
        try Harness.write("../..\n", to: gitdir + "/commondir")
        try Harness.write("gitdir: \(gitdir)\n", to: wt.path + "/.git")
        symlink(base, wt.path + "/y")
        return (wt, secret, wt.path + "/x/victim/canary")
    }

    func testForgedGitMetadataInsideTheWorktreeIsRefused() throws {
        let (wt, secret, readPath) = try makeForgedGitLayout()
        let r = try run(wt.path, wt.probe("try-read", readPath))
        XCTAssertFalse(r.stdout.contains(secret), r.summary)
        // Git metadata that lives in the worktree is the attacker's: bind sources there can be
        // swapped for links between the checks and the mount. It must be refused up front.
        assertRefused(r, mentioning: wt.path)
    }

    /// The race itself, for as long as the flipper runs: the host swaps `x` and the link `y`
    /// (renameat2 RENAME_EXCHANGE) while sandboxes start. No run may read the sibling's file.
    /// Before the fix this leaked about once in 300 runs here: a guard against regressions,
    /// not a proof; `testForgedGitMetadataInsideTheWorktreeIsRefused` is the deterministic half.
    func testBindSourceSwappedForALinkDuringStartCannotExposeASibling() throws {
        let (wt, secret, readPath) = try makeForgedGitLayout()
        let flipper = try Launch.start([try Harness.probeBinary(), "flip", wt.path + "/x", wt.path + "/y", "8"])
        defer { flipper.signal(SIGKILL); _ = flipper.wait(timeout: 5) }
        var runs = 0, started = 0, leaks: [String] = []
        let deadline = Date().addingTimeInterval(7)
        while Date() < deadline {
            let r = try run(wt.path, wt.probe("try-read", readPath))
            runs += 1
            if r.exitCode == 0 { started += 1 }
            if r.stdout.contains(secret) { leaks.append(r.stdout) }
        }
        XCTAssertEqual(leaks, [], "\(leaks.count) of \(runs) runs (\(started) started) read the sibling worktree")
        XCTAssertGreaterThan(runs, 20, "too few attempts to mean anything")
    }

    /// WORKER names are looked up in the repository around the caller's directory. If that
    /// directory is inside a worktree, its `.git` file is the attacker's: a forged gitdir
    /// there can make `git worktree list` name any host directory for a branch ("api" ->
    /// victim/), and the next `sandbox run api` from there would mount it read-write.
    func testForgedWorktreeListInTheCallersDirectoryCannotRedirectAName() throws {
        let repo = try GitFixture(base: base)
        _ = try GitFixture.git(["worktree", "add", "-q", "-b", "api", "../wt-api"], in: repo.main)
        _ = try GitFixture.git(["worktree", "add", "-q", "-b", "b", "../wt-b"], in: repo.main)
        let attacker = base + "/wt-b", victim = base + "/victim"
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
        try Harness.write("original", to: victim + "/canary")
        // Everything below is written inside the attacker's worktree.
        _ = try GitFixture.git(["init", "-q", "fakerepo"], in: attacker)
        let evil = attacker + "/fakerepo/.git/worktrees/evil"
        try FileManager.default.createDirectory(atPath: evil, withIntermediateDirectories: true)
        try Harness.write(victim + "/.git\n", to: evil + "/gitdir")
        try Harness.write("ref: refs/heads/api\n", to: evil + "/HEAD")
        try Harness.write("../..\n", to: evil + "/commondir")
        try Harness.write("gitdir: \(evil)\n", to: attacker + "/.git")

        let r = try Launch.start([sandbox, "run", "api", "--", "sh", "-c", "pwd; echo pwned > canary"], cwd: attacker)
            .wait(timeout: 60)
        XCTAssertEqual(Harness.read(victim + "/canary"), "original", "the name was redirected to \(victim): \(r.summary)")
        XCTAssertFalse(r.stdout.contains(victim), r.summary)
        XCTAssertTrue(r.exitCode == 125 || r.stdout.hasPrefix(base + "/wt-api\n"), r.summary)
    }

    /// The same forged listing, but from a `.git` directory: the worker replaces its `.git`
    /// file with a repository of its own, whose worktree list names a host directory under the
    /// branch `api`. A caller running `sandbox run api` from inside that worktree must be
    /// refused: the listed directory's metadata does not lead back to the repository asked.
    func testForgedRepositoryInTheCallersWorktreeCannotRedirectAName() throws {
        let repo = try GitFixture(base: base)
        _ = try GitFixture.git(["worktree", "add", "-q", "-b", "api", "../wt-api"], in: repo.main)
        _ = try GitFixture.git(["worktree", "add", "-q", "-b", "b", "../wt-b"], in: repo.main)
        let attacker = base + "/wt-b", victim = base + "/victim"
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
        try Harness.write("original", to: victim + "/canary")
        // Everything below is written inside the attacker's worktree.
        XCTAssertEqual(unlink(attacker + "/.git"), 0)
        _ = try GitFixture.git(["init", "-q", "."], in: attacker)
        let evil = attacker + "/.git/worktrees/evil"
        try FileManager.default.createDirectory(atPath: evil, withIntermediateDirectories: true)
        try Harness.write(victim + "/.git\n", to: evil + "/gitdir")
        try Harness.write("ref: refs/heads/api\n", to: evil + "/HEAD")
        try Harness.write("../..\n", to: evil + "/commondir")

        let r = try Launch.start([sandbox, "run", "api", "--", "sh", "-c", "pwd; echo pwned > canary"], cwd: attacker)
            .wait(timeout: 60)
        XCTAssertEqual(Harness.read(victim + "/canary"), "original", "the name was redirected to \(victim): \(r.summary)")
        XCTAssertEqual(r.exitCode, 125, r.summary)
        XCTAssertTrue(r.stderr.contains("does not lead back"), r.summary)
    }

    /// Worktrees kept inside another worktree (`repo/.worktrees/feature`, a common layout):
    /// the outer worktree's code can swap `.worktrees` for a link between the runner's
    /// realpath of WORKER and the mount of that path. The run must then fail, or mount what
    /// was resolved; never the link's target under the resolved name. Detected by comparing
    /// the report's `worktree` with what the command read. Before the fix: 4 in 300 here.
    func testWorktreeSourceSwappedForALinkDuringStartIsNotMounted() throws {
        let outer = base + "/repo", inner = outer + "/.worktrees/feature", decoy = base + "/decoy/feature"
        for dir in [inner, decoy] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try Harness.write("REAL", to: inner + "/who")
        try Harness.write("DECOY", to: decoy + "/who")
        symlink(base + "/decoy", outer + "/lnk")
        let flipper = try Launch.start([try Harness.probeBinary(), "flip", outer + "/.worktrees", outer + "/lnk", "8"])
        defer { flipper.signal(SIGKILL); _ = flipper.wait(timeout: 5) }
        let reportPath = base + "/report.json"
        var runs = 0, redirected: [String] = []
        let deadline = Date().addingTimeInterval(7)
        while Date() < deadline {
            unlink(reportPath)
            let r = try run(inner, ["cat", "who"], options: ["--report", reportPath])
            runs += 1
            guard r.exitCode == 0, let data = FileManager.default.contents(atPath: reportPath),
                  let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            if report.string("worktree") == inner && r.stdout != "REAL" { redirected.append(r.stdout) }
        }
        XCTAssertEqual(redirected, [], "\(redirected.count) of \(runs) runs mounted another directory as \(inner)")
        XCTAssertGreaterThan(runs, 20)
    }
}
