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

    /// An ignored SIGCHLD survives execve, and with it the kernel reaps children unasked and
    /// sends no signal: the init, waiting for SIGCHLD, hung with its command long gone (and
    /// the runner could not wait for the init). A caller that ignores it (some daemons and
    /// harnesses do) must still get the command's exit status, and nothing of the run left.
    /// perl sets it (dash's `trap '' CHLD` does not); perl-base is essential on Debian.
    func testACallerIgnoringSigchldStillGetsTheExitStatus() throws {
        guard access("/usr/bin/perl", X_OK) == 0 else { throw XCTSkip("needs /usr/bin/perl to start sandbox with SIGCHLD ignored") }
        let wt = try Harness.makeWorktree(in: base)
        // A background shell marked by its $0 (not the last command, so sh does not exec it).
        let marker = Harness.uniqueToken()
        let r = try Harness.run(["/usr/bin/perl", "-e", "$SIG{CHLD} = 'IGNORE'; exec @ARGV or die", sandbox, "run", wt.path, "--",
                                 "sh", "-c", "sh -c 'sleep 30; true' \(marker) & exit 3"], timeout: 20)
        XCTAssertEqual(r.exitCode, 3, r.summary)
        XCTAssertEqual(Harness.hostProcesses(withArgument: marker), [], "the run's background process survived it")
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
        // One worktree runs one command at a time (issue 6): eight launched at once queue on
        // its lock with --wait, and all succeed.
        let wt = try Harness.makeWorktree(in: base)
        let launches = try (0..<8).map { i in
            try start(wt.path, wt.probe("try-write", "\(wt.path)/out-\(i)", "run \(i)"), options: ["--wait"])
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

    func testSigkillToRunnerLeavesNothing() throws {
        let wt = try Harness.makeWorktree(in: base)
        let marker = Harness.uniqueToken()
        // The command ignores nothing special; the runner is killed outright, so only
        // PDEATHSIG (and the PID namespace dying with its init) can clean up.
        Harness.setChildSubreaper(true)
        defer { Harness.setChildSubreaper(false) }
        let launch = try start(wt.path, ["sh", "-c", "\(wt.probe) spawn-daemon 60 \(marker); exec \(wt.probe) sleep 60 \(marker)"])
        XCTAssertTrue(Harness.eventually { Harness.hostProcesses(withArgument: marker, argv0: wt.probe).count >= 2 },
                      "command never started: \(launch.stdoutSoFar)")
        let initPIDs = Harness.hostChildren(of: launch.pid)
        XCTAssertEqual(initPIDs.count, 1, "the runner should have one child, the sandbox's init")
        launch.signal(SIGKILL)
        XCTAssertEqual(launch.wait(timeout: 10).exitCode, 137)
        XCTAssertTrue(Harness.eventually(timeout: 5) { Harness.hostProcesses(withArgument: marker).isEmpty },
                      "survived the runner: \(Harness.hostProcesses(withArgument: marker))")
        // The init came to us (subreaper): it must have died, and we reap it.
        for pid in initPIDs {
            var status: Int32 = 0
            XCTAssertTrue(Harness.eventually(timeout: 5) { waitpid(pid, &status, WNOHANG) == pid || !Harness.exists("/proc/\(pid)") },
                          "the init \(pid) outlived the runner")
        }
    }

    func testCommandCannotSignalOrTraceOutsideItsNamespace() throws {
        let wt = try Harness.makeWorktree(in: base)
        // A host process owned by the same host uid the sandbox runs as would be the easiest
        // victim; any host process will do for kill(-1): it must survive.
        let marker = Harness.uniqueToken()
        let victim = try Launch.start([try Harness.probeBinary(), "sleep", "30", marker])
        defer { victim.signal(SIGKILL); _ = victim.wait(timeout: 5) }
        XCTAssertTrue(Harness.eventually { !Harness.hostProcesses(withArgument: marker).isEmpty })

        let killAll = try probe(wt, "try-kill", "-1", "9")
        _ = killAll  // whatever it reports, it may only reach the sandbox's own processes
        XCTAssertFalse(try probe(wt, "try-kill", String(victim.pid), "9").ok, "pid \(victim.pid) should not exist inside")
        XCTAssertTrue(Harness.exists("/proc/\(victim.pid)"), "kill from inside reached a host process")
        XCTAssertEqual(Harness.hostStatus(victim.pid)["State"]?.first, "S")

        // The init (pid 1) holds a copy of the runner's memory: it must be out of reach.
        let trace = try probe(wt, "try-ptrace", "1")
        XCTAssertFalse(trace.ok, "ptrace of the init: \(trace)")
        for path in ["/proc/1/mem", "/proc/1/environ", "/proc/1/exe", "/proc/1/root/etc/hostname"] {
            XCTAssertFalse(try probe(wt, "try-read", path).ok, "read \(path)")
        }
        // runc CVE-2019-5736 class: the runner's binary must not be writable through /proc.
        let binary = try Harness.sandboxBinary()
        let before = try XCTUnwrap(Harness.lstat(binary))
        XCTAssertFalse(try probe(wt, "try-write", "/proc/1/exe", "x").ok)
        XCTAssertFalse(try probe(wt, "try-write", "/proc/self/exe", "x").ok)
        let after = try XCTUnwrap(Harness.lstat(binary))
        XCTAssertEqual(before.st_size, after.st_size)
        XCTAssertEqual(before.st_mtim.tv_sec, after.st_mtim.tv_sec)
        XCTAssertEqual(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec)

        // SIGKILL to its own init from inside is ignored by the kernel: the run ends normally.
        let r = try run(wt.path, ["sh", "-c", "kill -KILL 1; exit 7"])
        XCTAssertEqual(r.exitCode, 7, r.summary)
    }
}
