import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Exit status, signals, the PID-1 init, and that nothing survives a run.
final class ProcessTests: SandboxTestCase {
    func testExitCodesPassThrough() throws {
        let wt = try Harness.makeWorktree(in: base)
        for code in [0, 1, 42, 255] {
            let r = try run(wt.path, wt.probe("exit", String(code)))
            XCTAssertEqual(r.exitCode, Int32(code), r.summary)
        }
        // A command killed by signal N: 128 + N.
        XCTAssertEqual(try run(wt.path, wt.probe("kill-self", "9")).exitCode, 137)
        XCTAssertEqual(try run(wt.path, wt.probe("kill-self", "15")).exitCode, 143)
        // A real binary from the host's /usr, found on PATH.
        XCTAssertEqual(try run(wt.path, ["false"]).exitCode, 1)
        XCTAssertEqual(try run(wt.path, ["sh", "-c", "exit 42"]).exitCode, 42)
    }

    func testSigtermToRunnerGives143AndLeavesNothing() throws {
        let wt = try Harness.makeWorktree(in: base)
        // coreutils sleep with a unique duration: the argument is the marker we look for.
        let duration = "60.\(Int.random(in: 100_000...999_999))"
        let launch = try start(wt.path, ["sleep", duration])
        var inside: [pid_t] = []
        XCTAssertTrue(Harness.eventually { inside = Harness.hostProcesses(withArgument: duration); return !inside.isEmpty },
                      "sleep never started: \(launch.stdoutSoFar)")
        let started = Date()
        launch.signal(SIGTERM)
        let r = launch.wait(timeout: 10)
        XCTAssertEqual(r.exitCode, 143, r.summary)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "SIGTERM took too long to end the run")
        XCTAssertTrue(Harness.eventually(timeout: 3) { Harness.hostProcesses(withArgument: duration).isEmpty },
                      "left behind: \(Harness.hostProcesses(withArgument: duration))")
        for pid in inside { XCTAssertFalse(Harness.exists("/proc/\(pid)"), "pid \(pid) still exists") }
    }

    func testOrphansAreAdoptedAndReaped() throws {
        let wt = try Harness.makeWorktree(in: base)
        let r = try probe(wt, "spawn-orphans", "5", "300")
        let orphans = r.objects("orphans")
        XCTAssertEqual(orphans.count, 5)
        // While alive, each orphan's parent is the sandbox's init (pid 1 of the namespace):
        // this is what makes the zombie check below meaningful.
        for o in orphans { XCTAssertEqual(o.int("ppid_while_alive"), 1, "\(o)") }
        let zombies = r.objects("processes").filter { $0.string("state") == "Z" }
        XCTAssertEqual(zombies.count, 0, "unreaped: \(zombies)")
        let orphanPIDs = Set(orphans.compactMap { $0.int("pid") })
        let left = r.objects("processes").compactMap { $0.int("pid") }.filter { orphanPIDs.contains($0) }
        XCTAssertEqual(left, [], "orphans still in /proc after they exited")
    }

    func testBackgroundProcessDiesWithTheCommand() throws {
        let wt = try Harness.makeWorktree(in: base)
        let marker = Harness.uniqueToken()
        // The daemon setsid()s and would sleep 60 s; the probe exits at once.
        let started = Date()
        let r = try run(wt.path, wt.probe("spawn-daemon", "60", marker))
        XCTAssertEqual(r.exitCode, 0, r.summary)
        XCTAssertGreaterThan(try r.json().int("daemon_pid") ?? 0, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the run waited for the daemon")
        XCTAssertTrue(Harness.eventually(timeout: 3) { Harness.hostProcesses(withArgument: marker).isEmpty },
                      "survived the run: \(Harness.hostProcesses(withArgument: marker))")
    }

    func testSignalsAreForwardedToTheCommand() throws {
        let wt = try Harness.makeWorktree(in: base)
        for (sig, code) in [(SIGINT, 130), (SIGHUP, 129), (SIGUSR1, 138)] {
            let marker = Harness.uniqueToken()
            let launch = try start(wt.path, wt.probe("sleep", "60", marker))
            XCTAssertTrue(Harness.eventually { !Harness.hostProcesses(withArgument: marker).isEmpty })
            launch.signal(sig)
            let r = launch.wait(timeout: 10)
            XCTAssertEqual(r.exitCode, Int32(code), "signal \(sig): \(r.summary)")
            XCTAssertTrue(Harness.eventually(timeout: 3) { Harness.hostProcesses(withArgument: marker).isEmpty })
        }
    }

    func testMissingCommandIs127AndNonExecutableIs126() throws {
        let wt = try Harness.makeWorktree(in: base)
        try Harness.write("#!/bin/sh\necho hi\n", to: wt.path + "/not-executable.sh", mode: 0o644)
        try FileManager.default.createDirectory(atPath: wt.path + "/a-directory", withIntermediateDirectories: false)

        let cases: [([String], Int32)] = [
            (["no-such-command-\(Harness.uniqueToken())"], 127),
            ([wt.path + "/no-such-file"], 127),
            ([wt.path + "/not-executable.sh"], 126),
            (["./not-executable.sh"], 126),
            ([wt.path + "/a-directory"], 126),
        ]
        for (command, expected) in cases {
            let r = try run(wt.path, command)
            XCTAssertEqual(r.exitCode, expected, "\(command): \(r.summary)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line on stderr expected: \(r.stderr)")
        }
        // Control: made executable, the same script runs.
        chmod(wt.path + "/not-executable.sh", 0o755)
        let ok = try run(wt.path, ["./not-executable.sh"])
        XCTAssertEqual(ok.exitCode, 0, ok.summary)
        XCTAssertEqual(ok.stdout, "hi\n")
    }

    func testEightSandboxesAtOnceAllSucceed() throws {
        let wt = try Harness.makeWorktree(in: base)
        let launches = try (0..<8).map { i in
            try start(wt.path, wt.probe("try-write", "\(wt.path)/out-\(i)", "run \(i)"))
        }
        for (i, launch) in launches.enumerated() {
            let r = launch.wait(timeout: 120)
            XCTAssertEqual(r.exitCode, 0, "run \(i): \(r.summary)")
            XCTAssertTrue(try r.json().ok, "run \(i): \(r.summary)")
            XCTAssertEqual(Harness.read("\(wt.path)/out-\(i)"), "run \(i)")
            XCTAssertEqual(Harness.lstat("\(wt.path)/out-\(i)")?.st_uid, 0)
        }
        // And eight in eight separate worktrees, one of them user-owned.
        var trees: [Worktree] = []
        for i in 0..<8 {
            trees.append(try Harness.makeWorktree(in: base, name: "wt\(i)", uid: i == 3 ? 1000 : 0, gid: i == 3 ? 1000 : 0))
        }
        let facts = try trees.map { try start($0.path, $0.probe("facts")) }.map { $0.wait(timeout: 120) }
        for (i, r) in facts.enumerated() {
            XCTAssertEqual(r.exitCode, 0, "worktree \(i): \(r.summary)")
            XCTAssertEqual(try r.json().string("cwd"), trees[i].path)
        }
    }
}
