import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Escape classes of issue 7 that the other suites did not cover yet. Each test names its
/// class and attack, and checks on the host side afterwards that the host is unchanged (a
/// canary, a binary's bytes, a process's cgroup), not only the probe's word.
final class EscapeClassTests: SandboxTestCase {
    /// Lines of the probe's output (a shell ran several probes), parsed.
    func jsonLines(_ r: RunResult) -> [[String: Any]] {
        r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Filesystem, "shocker" (CVE-2014-3519 class): open_by_handle_at with a handle of a host
    /// file on the worktree's own file system opens it without any path, past every mount.
    func testOpenByHandleCannotReachAHostFile() throws {
        let wt = try Harness.makeWorktree(in: base)
        let secret = Harness.uniqueToken("shocker-secret")
        let secretPath = base + "/host-secret"  // beside the worktree: the same file system
        try Harness.write(secret, to: secretPath, mode: 0o600)
        let hostProbe = try Harness.probeBinary()
        let handle = try Harness.run([hostProbe, "handle", secretPath]).json()
        XCTAssertTrue(handle.ok, "name_to_handle_at on the host: \(handle)")
        let type = String(handle.int("type") ?? -1), hex = handle.string("handle") ?? ""
        // Control: host root opens the file by its handle through the worktree's file system.
        let control = try Harness.run([hostProbe, "try-open-handle", wt.path, type, hex]).json()
        XCTAssertEqual(control.string("data"), secret, "the control could not open the handle: \(control)")

        let inside = try probe(wt, "try-open-handle", wt.path, type, hex)
        XCTAssertFalse(inside.ok, "open_by_handle_at reached a host file: \(inside)")
        XCTAssertNil(inside.string("data"))
        XCTAssertEqual(Harness.read(secretPath), secret)
    }

    /// Processes, runc CVE-2019-5736 class: the command opens the runner's binary, through
    /// /proc/1/exe (the init) or by its host path, to overwrite it for the host's next run.
    func testRunnerBinaryCannotBeOpenedFromInside() throws {
        let wt = try Harness.makeWorktree(in: base)
        let before = try Data(contentsOf: URL(fileURLWithPath: sandbox))
        let stBefore = Harness.lstat(sandbox)
        for path in ["/proc/1/exe", sandbox] {
            let write = try probe(wt, "try-write", path, "pwned")
            XCTAssertFalse(write.ok, "opened \(path) for writing: \(write)")
        }
        // Not even readable through the init's link (the init is not dumpable), so no O_PATH
        // descriptor of it can be kept and reopened for writing later.
        let read = try probe(wt, "try-read", "/proc/1/exe")
        XCTAssertFalse(read.ok, "read the init's binary: \(read.string("errno_name") ?? "ok")")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: sandbox)), before, "the runner's binary changed")
        XCTAssertEqual(Harness.lstat(sandbox)?.st_mtim.tv_sec, stBefore?.st_mtim.tv_sec)
    }

    /// Filesystem, hard and symbolic links to host files: a hard link in the worktree to a host
    /// file would make it writable through the worktree after the run; a symlink planted there
    /// must resolve inside the sandbox's root, not the host's.
    func testLinksToHostFilesDoNotReachThem() throws {
        let wt = try Harness.makeWorktree(in: base)
        let passwdLinks = Harness.lstat("/etc/passwd")?.st_nlink
        for target in ["/etc/passwd", "/usr/bin/env"] {
            let link = wt.path + "/hard-" + (target as NSString).lastPathComponent
            let r = try probe(wt, "try-link", target, link)
            XCTAssertFalse(r.ok, "hard link to \(target): \(r)")
            XCTAssertFalse(Harness.exists(link), "\(link) appeared on the host")
        }
        XCTAssertEqual(Harness.lstat("/etc/passwd")?.st_nlink, passwdLinks)

        let secret = Harness.uniqueToken("link-secret")
        let secretPath = "/root/" + Harness.uniqueToken("sandbox-it-link")
        try Harness.write(secret, to: secretPath, mode: 0o600)
        defer { unlink(secretPath) }
        XCTAssertEqual(symlink(secretPath, wt.path + "/to-secret"), 0)
        let read = try probe(wt, "try-read", wt.path + "/to-secret")
        XCTAssertFalse(read.ok, "a symlink in the worktree reached a host file: \(read)")
        XCTAssertFalse(try probe(wt, "try-write", wt.path + "/to-secret", "x").ok)
        XCTAssertEqual(Harness.read(secretPath), secret)
    }

    /// Cgroups: writing any cgroup file (its own limits, the root's cgroup.procs) or mounting a
    /// cgroup file system to move itself out of the run's cgroup. Host side: while the command
    /// still runs, the host sees it in the run's cgroup.
    func testCommandCannotWriteCgroupFilesOrLeaveItsCgroup() throws {
        let wt = try Harness.makeWorktree(in: base)
        let marker = Harness.uniqueToken("cgroup-marker")
        let p = wt.probe
        let attempts = ["/sys/fs/cgroup/cgroup.procs", "/sys/fs/cgroup/pids/cgroup.procs",
                        "/sys/fs/cgroup/pids/sandbox/cgroup.procs", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                        "/proc/self/cgroup"].map { "\(p) try-write \($0) 1" }
            + ["\(p) try-mount cgroup2 /tmp", "\(p) try-mount cgroup /tmp", "\(p) try-mount proc /tmp"]
        let script = attempts.joined(separator: "; ") + "; exec \(p) sleep 3 \(marker)"
        let launch = try start(wt.path, ["/bin/sh", "-c", script], options: ["--pids", "64"])
        var hostCgroup = ""
        XCTAssertTrue(Harness.eventually(timeout: 10) {
            guard let pid = Harness.hostProcesses(withArgument: marker, argv0: p).first else { return false }
            hostCgroup = Harness.read("/proc/\(pid)/cgroup") ?? ""
            return !hostCgroup.isEmpty
        }, "the command never showed up on the host")
        let r = launch.wait(timeout: 30)
        XCTAssertEqual(r.exitCode, 0, r.summary)
        let results = jsonLines(r).filter { $0["ok"] != nil }
        XCTAssertEqual(results.count, attempts.count, r.summary)
        for result in results { XCTAssertFalse(result.ok, "cgroup escape step succeeded: \(result)") }
        let pidsLine = hostCgroup.split(separator: "\n").first { $0.contains(":pids:") || $0.hasPrefix("0::") && !hostCgroup.contains(":pids:") }
        XCTAssertTrue(pidsLine?.contains("/sandbox/") ?? false, "the command is not in the run's cgroup: \(hostCgroup)")
    }

    /// Limits, disk filling: /tmp and /dev/shm are private tmpfs with a size; filling them
    /// stops there (ENOSPC) and nothing lands in the host's /tmp or /dev/shm.
    func testFillingTmpAndShmStopsAtTheirSize() throws {
        let wt = try Harness.makeWorktree(in: base)
        let name = Harness.uniqueToken("sandbox-it-fill")
        for (dir, limit) in [("/tmp", 256 << 20), ("/dev/shm", 64 << 20)] {
            let r = try probe(wt, "fill", dir + "/" + name)
            XCTAssertEqual(r.errnoName, "ENOSPC", "\(dir): \(r)")
            XCTAssertLessThanOrEqual(r.int("bytes") ?? .max, limit, "\(dir) held more than its size: \(r)")
            XCTAssertGreaterThan(r.int("bytes") ?? 0, 0, "\(dir) is not writable at all: \(r)")
            XCTAssertFalse(Harness.exists(dir + "/" + name), "the fill reached the host's \(dir)")
        }
    }

    /// Limits, fork bombs without cgroups: `limits.processes` (RLIMIT_NPROC, set inside the
    /// run's own user namespace) stops a bomb, and the kernel counts each run apart: two runs
    /// whose ids map to the same host uid (root-owned worktrees) each reach the limit while
    /// the other holds its own tasks. The strict profile sets 1024.
    func testForkBombStopsAtTheProcessLimitOfItsOwnRun() throws {
        let profile = base + "/nproc.toml"
        try "extends = \"strict\"\n[limits]\nprocesses = 64\n".write(toFile: profile, atomically: true, encoding: .utf8)
        let a = try Harness.makeWorktree(in: base, name: "a"), b = try Harness.makeWorktree(in: base, name: "b")
        // Forks until the kernel refuses (EAGAIN), holds the children for 3 s, prints the count.
        let forker = """
            import os, time
            kids = []
            while len(kids) < 500:
                try:
                    pid = os.fork()
                except OSError as e:
                    print("refused", e.errno, flush=True)
                    break
                if pid == 0:
                    time.sleep(3)
                    os._exit(0)
                kids.append(pid)
            print("forked", len(kids), flush=True)
            for k in kids:
                os.waitpid(k, 0)
            """
        for wt in [a, b] { try forker.write(toFile: wt.path + "/forker.py", atomically: true, encoding: .utf8) }
        let runs = try [a, b].map { try start($0.path, ["python3", "forker.py"], options: ["--profile", profile]) }
        for (name, r) in zip(["a", "b"], runs.map { $0.wait(timeout: 60) }) {
            XCTAssertEqual(r.exitCode, 0, "\(name): \(r.summary)")
            // Without the limit the bomb below would fill the host's pid space: stop here.
            guard r.stdout.contains("refused 11") else { return XCTFail("\(name): forks were never refused: \(r.stdout)") }
            let count = r.stdout.split(separator: "\n").first { $0.hasPrefix("forked ") }.flatMap { Int($0.dropFirst(7)) } ?? 0
            // 64 tasks: the init and python itself, then its children; never the other run's.
            XCTAssertGreaterThanOrEqual(count, 55, "\(name): the other run's tasks counted against this one: \(r.stdout)")
            XCTAssertLessThanOrEqual(count, 62, "\(name): more tasks than the limit: \(r.stdout)")
        }
        // The classic bomb ends (its parent finishes) instead of filling the host's pid space.
        // The parent waits with builtins only: a fork of its own would compete with the bomb
        // for the 64 slots (under the VM's emulation bash gave up after its retries).
        let bomb = try run(a.path, ["bash", "-c", "f() { f | f & }; f; while (( SECONDS < 2 )); do :; done; exit 3"],
                           options: ["--profile", profile])
        XCTAssertEqual(bomb.exitCode, 3, bomb.summary)
        let strict = try run(a.path, ["bash", "-c", "ulimit -u"])
        XCTAssertEqual(strict.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "1024", strict.summary)
    }

    /// Limits, many open files: the caller has a low soft limit (1024); the command gets the
    /// plan's limit (the profile's open_files, capped by the caller's hard limit) as soft and
    /// hard, cannot raise it, and opening files stops there with EMFILE.
    func testOpenFilesStopAtTheLimit() throws {
        let wt = try Harness.makeWorktree(in: base)
        func underCallerLimits(_ argv: [String]) throws -> RunResult {
            try Harness.run(["/bin/sh", "-c", "ulimit -Sn 1024 && exec \"$@\"", "sh"] + argv)
        }
        let plan = try underCallerLimits([sandbox, "plan", wt.path, "--", "true"])
        let object = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any] ?? [:]
        let nofile = object.objects("rlimits").first { $0.string("resource") == "nofile" }?.int("soft") ?? 0
        XCTAssertGreaterThan(nofile, 1024, plan.summary)
        let r = try underCallerLimits([sandbox, "run", wt.path, "--", "/bin/sh", "-c",
                                       "ulimit -Sn \(nofile + 1) 2>/dev/null && echo RAISED; exec \(wt.probe) open-many 1000000"])
        XCTAssertEqual(r.exitCode, 0, r.summary)
        XCTAssertFalse(r.stdout.contains("RAISED"), "the command raised its open-files limit past the plan's")
        let result = try r.json()
        XCTAssertEqual(result.errnoName, "EMFILE", "\(result)")
        XCTAssertLessThan(result.int("opened") ?? .max, nofile, "\(result)")
        XCTAssertGreaterThan(result.int("opened") ?? 0, nofile - 16, "the plan's limit was not applied: \(result)")
    }
}
