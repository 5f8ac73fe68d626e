#if canImport(Glibc)
import Glibc
#endif
import Testing
import SandboxCore
@testable import SandboxRuntime

/// The output relay: what the caller receives is byte for byte what the command wrote, on
/// the same stream, in order; exit codes are kept; a caller that stops reading stops the
/// command as a direct pipe would. Real namespaces (root).
@Suite(.serialized, .enabled(if: WorkersFixture.skipReason == nil, "needs root: runs sandboxes in real namespaces"))
struct WorkersRelayTests {
    @Test func largeOutputArrivesWholeAndInOrderOnItsOwnStream() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let r = try fixture.run(["run", "api", "--", "sh", "-c", "seq 1 200000; echo to-stderr >&2; exit 42"])
        #expect(r.exitCode == 42)
        let expected = (1...200000).map(String.init).joined(separator: "\n") + "\n"
        #expect(r.stdout == expected, "stdout: \(r.stdout.utf8.count) bytes")
        #expect(r.stderr == "to-stderr\n")
    }

    @Test func interleavingIsKeptWhenStdoutAndStderrAreOneFile() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let out = fixture.base + "/both.txt"
        let script = "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done"
        try fixture.sh("cd \(fixture.repo) && SANDBOX_STATE_DIR=\(fixture.state) \(fixture.sandbox) run api -- sh -c '\(script)' > \(out) 2>&1")
        #expect(try FileSystem.readText(out) == "out1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\nout5\nerr5\n")
    }

    @Test func aCallerThatStopsReadingStopsTheCommand() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let out = fixture.base + "/status"
        // `yes` would run forever if the relay kept draining its pipe after `head` left.
        _ = try Harness.run(["/bin/bash", "-c", "cd \(fixture.repo) && SANDBOX_STATE_DIR=\(fixture.state) timeout 20 \(fixture.sandbox) run api -- yes | head -n 2 >/dev/null; echo ${PIPESTATUS[0]} > \(out)"])
        let status = try FileSystem.readText(out).split(separator: "\n").first.map(String.init)
        #expect(status == "141", "yes died of SIGPIPE (128+13), not of the timeout: \(status ?? "")")
    }

    /// The supervisor answers seccomp notifications in the loop that relays output: a caller
    /// that does not read must stall only the writer, never the answers. `yes` fills the
    /// stdout relay while the reader sleeps; meanwhile twenty denied chmod calls (each a user
    /// notification the supervisor answers) complete, and "done" reaches stderr (a file).
    @Test func aStalledReaderDoesNotStallSeccompAnswers() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let err = fixture.base + "/stderr"
        let script = "yes & Y=$!; touch f; i=0; while [ $i -lt 20 ]; do chmod 4755 f 2>/dev/null; i=$((i+1)); done; echo done >&2; kill $Y"
        let started = Clock.monotonicNanoseconds()
        let pipeline = try Launch.start(["/bin/sh", "-c",
            "cd \(fixture.repo) && SANDBOX_STATE_DIR=\(fixture.state) \(fixture.sandbox) run api -- sh -c '\(script)' 2>\(err) | (sleep 6; cat >/dev/null)"])
        let answered = Harness.eventually(timeout: 5) { (try? FileSystem.readText(err))?.contains("done") == true }
        let elapsed = Clock.monotonicNanoseconds() - started
        #expect(answered, "denied syscalls were answered while stdout was stalled: \((try? FileSystem.readText(err)) ?? "")")
        #expect(elapsed < 5_500_000_000, "before the reader woke up")
        #expect(pipeline.wait(timeout: 30).exitCode == 0)
    }

    @Test func eventsGoToAnInheritedDescriptor() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let out = fixture.base + "/events"
        try fixture.sh("cd \(fixture.repo) && SANDBOX_STATE_DIR=\(fixture.state) \(fixture.sandbox) run --events fd:3 api -- sh -c 'exit 5' 3> \(out); test $? = 5")
        let lines = try FileSystem.readText(out).split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.contains("\"event\":\"started\"") == true)
        #expect(lines.last?.contains("\"event\":\"exited\"") == true && lines.last?.contains("\"exit_code\":5") == true)
    }

    @Test func eventsNameDenialsAndForwardedSignals() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let events = fixture.base + "/events.jsonl"
        // chmod u+s is refused by every policy's guards (EPERM, reported by name); then the
        // command waits for a SIGUSR1 that only the runner receives and forwards.
        let run = try fixture.start(["run", "--events", events, "api", "--", "sh", "-c",
                                     "touch f; chmod 4755 f; trap 'echo usr1; exit 3' USR1; echo ready; while :; do sleep 0.05; done"])
        #expect(Harness.eventually { (try? FileSystem.readText(fixture.path("api") + "/f")) != nil && fixture.running("api") != nil })
        #expect(Harness.eventually { run.stdoutSoFar.contains("ready") })
        let record = try #require(fixture.running("api"))
        kill(record.supervisorPID, SIGUSR1)
        let result = run.wait(timeout: 30)
        #expect(result.exitCode == 3 && result.stdout.contains("usr1"), "\(result.summary)")
        let lines = try FileSystem.readText(events).split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("\"event\":\"denied\"") && $0.contains("\"syscall\":\"fchmodat\"") && $0.contains("\"action\":\"errno\"") },
                "\(lines)")
        #expect(lines.contains { $0.contains("\"event\":\"signal\"") && $0.contains("\"signal_name\":\"SIGUSR1\"") && $0.contains("\"to\":\"command\"") })
        #expect(lines.last?.contains("\"exit_code\":3") == true)
    }

    @Test func ttyRunsAreNotLogged() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let report = fixture.base + "/report.json"
        let r = try fixture.run(["run", "--tty", "--report", report, "api", "--", "sh", "-c", "echo direct"])
        #expect(r.exitCode == 0 && r.stdout == "direct\n")
        #expect(try fixture.report(report).log == nil)
    }
}
