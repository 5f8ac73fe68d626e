import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What the command sees: namespaces, identity, network, capabilities, fds, environment.
final class IsolationTests: SandboxTestCase {
    func testPidNamespaceHoldsOnlyTheInitAndTheCommand() throws {
        let wt = try Harness.makeWorktree(in: base)
        let facts = try probe(wt, "facts")
        let pids = Set(facts.objects("processes").compactMap { $0.int("pid") })
        let me = try XCTUnwrap(facts.int("pid"))
        // The host has hundreds of processes; inside there must be exactly the init and us.
        XCTAssertEqual(pids, [1, me], "processes visible inside: \(facts.objects("processes"))")
        XCTAssertEqual(facts.int("ppid"), 1, "the command's parent is the sandbox's PID-1 init")

        // Every namespace differs from the host's (compared with the host's own links).
        let inside = try XCTUnwrap(facts.object("namespaces"))
        for (name, host) in Harness.hostNamespaces() {
            let seen = try XCTUnwrap(inside.string(name), "namespace \(name) not reported")
            XCTAssertNotEqual(seen, host, "the command shares the host's \(name) namespace")
        }
    }

    func testOnlyLoopbackExistsAndIsUp() throws {
        let wt = try Harness.makeWorktree(in: base)
        let facts = try probe(wt, "facts")
        let interfaces = facts.objects("interfaces")
        XCTAssertEqual(interfaces.compactMap { $0.string("name") }, ["lo"])
        XCTAssertEqual(interfaces.first?.bool("up"), true, "lo must be up")
        XCTAssertEqual(facts.string("hostname"), "sandbox")
    }

    func testRootOwnedWorktreeRunsAsUnprivilegedHostID() throws {
        let wt = try Harness.makeWorktree(in: base)
        let facts = try probe(wt, "facts")
        let uid = try XCTUnwrap(facts.int("uid"))
        let uidMap = try parseIDMap(XCTUnwrap(facts.string("uid_map")))
        let gidMap = try parseIDMap(XCTUnwrap(facts.string("gid_map")))
        XCTAssertFalse(uidMap.isEmpty)
        for (inside, outside, count) in uidMap + gidMap {
            // Host id 0 must not lie in [outside, outside + count).
            XCTAssertFalse(outside <= 0 && outside + count > 0, "host id 0 is mapped: \(inside) \(outside) \(count)")
        }
        let hostUID = try XCTUnwrap(uidMap.first { $0.inside <= uid && uid < $0.inside + $0.count }.map { $0.outside + uid - $0.inside })
        XCTAssertNotEqual(hostUID, 0)

        // The host's own view of the running command: its real, effective, saved and fs
        // uids are the unprivileged id, and it holds no supplementary groups (not root's 0).
        let marker = Harness.uniqueToken()
        let launch = try start(wt.path, wt.probe("sleep", "30", marker))
        defer { launch.signal(SIGKILL); _ = launch.wait(timeout: 10) }
        var pid: pid_t = 0
        XCTAssertTrue(Harness.eventually { pid = Harness.hostProcesses(withArgument: marker, argv0: wt.probe).first ?? 0; return pid > 0 })
        let status = Harness.hostStatus(pid)
        XCTAssertEqual(status["Uid"], Array(repeating: String(hostUID), count: 4).joined(separator: "\t"))
        let gids = try XCTUnwrap(status["Gid"]).split(separator: "\t")
        XCTAssertEqual(gids.count, 4)
        XCTAssertFalse(gids.contains("0"), "host gid: \(gids)")
        XCTAssertEqual(status["Groups"], "", "supplementary groups survived into the sandbox")
    }

    func testCapabilitiesAreAllZeroAndNoNewPrivsIsSet() throws {
        let wt = try Harness.makeWorktree(in: base)
        let facts = try probe(wt, "facts")
        let status = try XCTUnwrap(facts.object("status"))
        for field in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            XCTAssertEqual(status.string(field), "0000000000000000", field)
        }
        XCTAssertEqual(status.string("NoNewPrivs"), "1")
        XCTAssertEqual(facts.int("no_new_privs"), 1)
        XCTAssertEqual(status.string("Seccomp"), "2", "the baseline filter is in force")
    }

    func testDescriptorsTheCallerLeftOpenAreClosed() throws {
        let wt = try Harness.makeWorktree(in: base)
        // fd 7: a directory fd of the host root (the runc CVE-2024-21626 shape); fd 8: a file.
        let dirFD = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let fileFD = open("/etc/hostname", O_RDONLY | O_CLOEXEC)
        defer { close(dirFD); close(fileFD) }
        XCTAssertGreaterThanOrEqual(dirFD, 0)
        let facts = try probe(wt, "facts", inherit: [7: dirFD, 8: fileFD])
        XCTAssertEqual(facts["fds"] as? [Int], [0, 1, 2])
        let viaFD = try probe(wt, "try-read", "/proc/self/fd/7/etc/shadow", inherit: [7: dirFD])
        XCTAssertFalse(viaFD.ok, "read the host's /etc/shadow through an inherited fd")
    }

    func testCallerSecretIsInvisibleInsideAndInTheInit() throws {
        let wt = try Harness.makeWorktree(in: base)
        let secret = Harness.uniqueToken("secret")
        var env = ProcessInfo.processInfo.environment
        env["SANDBOX_IT_TOKEN"] = secret
        env["AWS_SECRET_ACCESS_KEY"] = secret
        let r = try run(wt.path, wt.probe("facts"), options: ["--env", "SANDBOX_IT_SET=visible"], environment: env)
        XCTAssertEqual(r.exitCode, 0, r.summary)
        XCTAssertFalse(r.stdout.contains(secret), "the secret leaked: \(r.stdout)")
        let facts = try r.json()
        let environ = try XCTUnwrap(facts.strings("environ"))
        let names = Set(environ.map { String($0.prefix { $0 != "=" }) })
        let allowed: Set = ["PATH", "LANG", "TERM", "TZ", "HOME", "TMPDIR", "USER", "SANDBOX_IT_SET"]
        XCTAssertEqual(names.filter { !allowed.contains($0) && !$0.hasPrefix("LC_") }, [], "not on the allowlist")
        XCTAssertTrue(environ.contains("SANDBOX_IT_SET=visible"), "--env NAME=VALUE must reach the command")
        XCTAssertTrue(environ.contains("HOME=/home/sandbox"))
        XCTAssertTrue(environ.contains("TMPDIR=/tmp"))
        // The init is a fork of the runner: its environ must not show the caller's either.
        if let initEnviron = facts.strings("proc1_environ") {
            XCTAssertFalse(initEnviron.contains { $0.contains(secret) }, "/proc/1/environ: \(initEnviron)")
        }

        // Control: the probe would see the secret if it were passed (`--env NAME`).
        let passed = try run(wt.path, wt.probe("facts"), options: ["--env", "SANDBOX_IT_TOKEN"], environment: env)
        XCTAssertTrue(try passed.json().strings("environ")?.contains("SANDBOX_IT_TOKEN=" + secret) ?? false,
                      "--env NAME must pass the caller's value: \(passed.summary)")
    }

    /// The caller's session keyring (login sessions have one; pam_keyinit) may hold tokens.
    /// Subscribed to it, the command would "possess" it and read every key whatever its uid.
    func testCallerSessionKeyringIsNotReachable() throws {
        let wt = try Harness.makeWorktree(in: base)
        let name = Harness.uniqueToken("sbx-key"), secret = Harness.uniqueToken("secret")
        let probe = try Harness.probeBinary()
        // Control: a child of the caller does find the key (the host side works).
        let control = try Harness.run([probe, "with-session-key", name, secret, probe, "keyring-find", name])
        XCTAssertTrue(control.stdout.contains(secret), "control failed: \(control.summary)")

        let r = try Harness.run([probe, "with-session-key", name, secret, sandbox, "run", wt.path, "--",
                                 wt.probe, "keyring-find", name])
        XCTAssertEqual(r.exitCode, 0, r.summary)
        XCTAssertFalse(r.stdout.contains(secret), "the command read the caller's session key: \(r.stdout)")
        XCTAssertFalse(try r.json().ok)
    }

    func testWorkingDirectoryIsTheWorktree() throws {
        let wt = try Harness.makeWorktree(in: base)
        let facts = try probe(wt, "facts")
        XCTAssertEqual(facts.string("cwd"), wt.path)
    }

    // "inside outside count" lines.
    func parseIDMap(_ text: String) throws -> [(inside: Int, outside: Int, count: Int)] {
        try text.split(separator: "\n").map { line in
            let f = line.split(separator: " ").compactMap { Int($0) }
            guard f.count == 3 else { throw HarnessError("bad id map line \(line)") }
            return (f[0], f[1], f[2])
        }
    }
}
