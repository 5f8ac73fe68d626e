#if canImport(Glibc)
import Glibc
#endif
import Testing
import SandboxCore
@testable import SandboxRuntime

/// One run per worktree (refusal and --wait) and `ps`, `status`, `kill`, `logs` against
/// live runs. Real namespaces (root).
@Suite(.serialized, .enabled(if: WorkersFixture.skipReason == nil, "needs root: runs sandboxes in real namespaces"))
struct WorkersRegistryTests {
    /// A command that prints `hello`, then waits for `release` in its worktree.
    static let holdUntilReleased = ["sh", "-c", "echo hello; while [ ! -e release ]; do sleep 0.02; done; echo bye"]

    @Test func busyWorktreeIsRefusedAtOnceOrWaitedFor() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let first = try fixture.start(["run", "api", "--"] + Self.holdUntilReleased)
        #expect(Harness.eventually { fixture.running("api") != nil })
        let holder = try #require(fixture.running("api"))

        let started = Clock.monotonicNanoseconds()
        let refused = try fixture.run(["run", "api", "--", "true"])
        #expect(refused.exitCode == 125)
        let expected = "api is busy: run \(holder.shortID) (pid \(holder.supervisorPID)) since \(Clock.localTimeOfDay(unixMs: holder.startedUnixMs))"
        #expect(refused.stderr.contains(expected), "\(refused.stderr)")
        #expect(Clock.monotonicNanoseconds() - started < 3_000_000_000, "refused at once")

        // By path, the same worktree is the same lock.
        let byPath = try fixture.run(["run", fixture.path("api"), "--", "true"])
        #expect(byPath.exitCode == 125 && byPath.stderr.contains("is busy"))

        let waiter = try fixture.start(["run", "--wait", "api", "--", "sh", "-c", "cat release-time"])
        usleep(300_000)
        #expect(fixture.registry.live().count == 1, "the waiter writes no record while it waits")
        try fixture.sh("date +%s%N > \(fixture.path("api"))/release-time && touch \(fixture.path("api"))/release")
        let held = first.wait(timeout: 60)
        let waited = waiter.wait(timeout: 60)
        #expect(held.exitCode == 0 && held.stdout == "hello\nbye\n")
        #expect(waited.exitCode == 0, "\(waited.summary)")
        #expect(waited.stderr.contains("waiting: api is busy"))
        // The waiter ran after the holder had released: it read the file written for that.
        #expect(!waited.stdout.isEmpty)
        #expect(fixture.stateFiles().isEmpty)
    }

    @Test func psStatusLogsAndKillOnALiveRun() throws {
        let fixture = try WorkersFixture(worktrees: ["api", "web"])
        defer { fixture.cleanup() }
        let report = fixture.base + "/report.json"
        let events = fixture.base + "/events.jsonl"
        let run = try fixture.start(["run", "--report", report, "--events", events, "api", "--", "sh", "-c",
                                     "echo hello; sleep 0.3; echo later; sleep 1000"])
        #expect(Harness.eventually { fixture.running("api") != nil })
        let record = try #require(fixture.running("api"))
        #expect(record.branch == "api" && record.worktree == fixture.path("api") && record.initPID != nil)

        let ps = try fixture.run(["ps"])
        let row = ps.stdout.split(separator: "\n").first { $0.hasPrefix(record.shortID) }.map(String.init) ?? ""
        #expect(row.contains("api") && row.contains("strict") && row.contains("\(record.supervisorPID)") && row.contains("running"), "\(ps.stdout)")
        #expect(!row.hasSuffix(" -"), "MEM and CPU are measured: \(row)")

        #expect(Harness.eventually { (try? fixture.run(["logs", "api"]).stdout) == "hello\nlater\n" })
        let status = try fixture.run(["status", "--json", "api"])
        #expect(status.exitCode == 0)
        #expect(status.stdout.contains("\"since_last_output_ms\""))
        #expect(!status.stdout.contains("\"since_last_output_ms\" : null"))
        let byID = try fixture.run(["status", record.shortID])
        #expect(byID.exitCode == 0 && byID.stdout.contains("worker api"))
        let idle = try fixture.run(["status", "web"])
        #expect(idle.exitCode == 1 && idle.stdout.contains("not running"))

        // Follow: what the run writes after `logs --follow` started arrives too.
        let follow = try fixture.start(["logs", "--follow", "api"])
        let killer = try fixture.start(["kill", "api"])
        let kill = killer.wait(timeout: 30)
        #expect(kill.exitCode == 0 && kill.stdout.contains("stopped run \(record.shortID)"), "\(kill.summary)")
        let ran = run.wait(timeout: 30)
        let followed = follow.wait(timeout: 10)
        #expect(followed.exitCode == 0 && followed.stdout == "hello\nlater\n")

        #expect(ran.exitCode == 143, "sh died of the SIGTERM sent to every process")
        let result = try fixture.report(report)
        #expect(result.status == .signaled && result.signal == SIGTERM)
        #expect(result.stoppedBy == StoppedBy(signal: SIGTERM, by: "sandbox kill", pid: killer.pid, escalated: false))
        let after = try fixture.run(["status", "api"])
        #expect(after.exitCode == 1)
        let lines = try FileSystem.readText(events).split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("\"event\":\"started\"") == true && lines.first?.contains("\"namespaces\"") == true)
        #expect(lines.contains { $0.contains("\"event\":\"signal\"") && $0.contains("\"by\":\"sandbox kill\"") })
        #expect(lines.last?.contains("\"event\":\"exited\"") == true && lines.last?.contains("\"exit_code\":143") == true)
        #expect(fixture.stateFiles().isEmpty)
    }

    @Test func killEscalatesToSIGKILLAfterTheGracePeriod() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let report = fixture.base + "/report.json"
        // The shell and its child ignore SIGTERM: only SIGKILL ends them.
        let run = try fixture.start(["run", "--report", report, "api", "--", "sh", "-c", "trap '' TERM; sleep 1000"])
        #expect(Harness.eventually { fixture.running("api") != nil })
        let started = Clock.monotonicNanoseconds()
        let kill = try fixture.run(["kill", "--grace", "1", "api"])
        _ = run.wait(timeout: 30)
        #expect(kill.exitCode == 0)
        let elapsed = Clock.monotonicNanoseconds() - started
        #expect(elapsed >= 1_000_000_000 && elapsed < 8_000_000_000, "\(elapsed / 1_000_000) ms")
        let result = try fixture.report(report)
        #expect(result.signal == SIGKILL && result.exitCode == 137)
        #expect(result.stoppedBy?.escalated == true && result.stoppedBy?.by == "sandbox kill")
    }

    @Test func killWithASignalOnlySendsIt() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let run = try fixture.start(["run", "api", "--", "sh", "-c", "trap 'echo got-usr1; exit 7' USR1; while :; do sleep 0.05; done"])
        #expect(Harness.eventually { fixture.running("api") != nil })
        usleep(200_000)  // the trap is set
        let kill = try fixture.run(["kill", "--signal", "USR1", "api"])
        let ran = run.wait(timeout: 30)
        #expect(kill.exitCode == 0)
        #expect(ran.exitCode == 7 && ran.stdout.contains("got-usr1"))
    }

    @Test func logsOutliveTheWorktreeAndKeepEachRun() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let report = fixture.base + "/report.json"
        #expect(try fixture.run(["run", "api", "--", "echo", "first"]).exitCode == 0)
        #expect(try fixture.run(["run", "--report", report, "api", "--", "sh", "-c", "echo second; echo oops >&2"]).exitCode == 0)
        let id = try fixture.report(report).id
        try fixture.sh("git -C \(fixture.repo) worktree remove --force \(fixture.path("api"))")
        let latest = try fixture.run(["logs", "api"])
        #expect(latest.exitCode == 0 && latest.stdout == "second\noops\n", "\(latest.summary)")
        let previous = try fixture.run(["logs", "--run", "2", "api"])
        #expect(previous.stdout == "first\n")
        let byID = try fixture.run(["logs", String(id.prefix(6))])
        #expect(byID.stdout == "second\noops\n")
        let none = try fixture.run(["logs", "--run", "3", "api"])
        #expect(none.exitCode == 1 && none.stderr.contains("2 kept"), "\(none.summary)")
    }

    @Test func unknownTargetsSuggestCandidates() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let miss = try fixture.run(["run", "apu", "--", "true"])
        #expect(miss.exitCode == 125 && miss.stderr.contains("did you mean api?"), "\(miss.stderr)")
        let main = try fixture.run(["run", "repo", "--", "true"])
        #expect(main.exitCode == 125 && main.stderr.contains("main worktree"))
        let allowed = try fixture.run(["run", "--allow-main", "repo", "--", "true"])
        #expect(allowed.exitCode == 0, "\(allowed.stderr)")
        let state = try fixture.run(["run", fixture.state, "--", "true"])
        #expect(state.exitCode == 125 && state.stderr.contains("state directory"), "\(state.stderr)")
        let kill = try fixture.run(["kill", "api"])
        #expect(kill.exitCode != 0 && kill.stderr.contains("no live run"))
        // --report and --events through a link in the worktree are refused, and nothing is
        // written where the link points.
        try fixture.sh("mkdir \(fixture.base)/outside && ln -s \(fixture.base)/outside \(fixture.path("api"))/out")
        let linked = try fixture.run(["run", "--report", fixture.path("api") + "/out/r.json", "--events",
                                      fixture.path("api") + "/out/e.jsonl", "api", "--", "true"])
        #expect(linked.exitCode == 125 && linked.stderr.contains("symbolic link in the worktree"), "\(linked.summary)")
        #expect(DirectoryListing.names(in: fixture.base + "/outside").isEmpty)
        // A worktree the invoking user neither owns nor may write (uid 4242 against root's 0755).
        let foreign = try fixture.run(["plan", fixture.path("api"), "--", "true"], as: 4242)
        #expect(foreign.exitCode == 125 && foreign.stderr.contains("may not write"), "\(foreign.summary)")
    }
}
