#if canImport(Glibc)
import Glibc
#endif
import Testing
import SandboxCore
@testable import SandboxRuntime

/// Crash recovery and hygiene: a SIGKILLed supervisor takes its sandbox with it and the
/// next command of any kind removes its record and lock; 200 runs in a row leave no
/// process, mount, record, lock or descriptor behind. Real namespaces (root).
@Suite(.serialized, .enabled(if: WorkersFixture.skipReason == nil, "needs root: runs sandboxes in real namespaces"))
struct WorkersCrashTests {
    @Test(arguments: [["ps"], ["plan", "api", "--", "true"], ["doctor"]])
    func sigkilledSupervisorLeavesNothingAfterTheNextCommand(next: [String]) throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let run = try fixture.start(["run", "api", "--", "sh", "-c", "sleep 1000 & sleep 1000"])
        #expect(Harness.eventually { fixture.registry.live().first?.phase == .running })
        let record = try #require(fixture.registry.live().first)
        let initPID = try #require(record.initPID)
        #expect(Harness.eventually { WorkersFixture.processes(in: fixture.path("api")).count >= 2 },
                "the sandbox runs in the worktree")

        kill(record.supervisorPID, SIGKILL)
        #expect(run.wait(timeout: 30).exitCode == 137)
        // Everything in the sandbox dies with its supervisor.
        #expect(Harness.eventually { WorkersFixture.processes(in: fixture.path("api")).isEmpty },
                "left: \(WorkersFixture.processes(in: fixture.path("api")))")
        #expect(Harness.eventually { kill(initPID, 0) != 0 })
        // The record is still there (nobody removed it) until the next command.
        #expect(fixture.stateFiles().contains { $0.hasPrefix("runs/") })
        _ = try fixture.run(next)
        #expect(fixture.stateFiles().isEmpty, "after `sandbox \(next[0])`: \(fixture.stateFiles())")
        #expect(Harness.hostMounts(mentioning: fixture.base).isEmpty)
        // And the worktree is free again.
        let again = try fixture.run(["run", "api", "--", "true"])
        #expect(again.exitCode == 0, "\(again.summary)")
    }

    static let pidsLimitable = CgroupDriverFactory.make().info.enforceableLimits.contains(.pids)

    @Test(.enabled(if: pidsLimitable, "this host cannot give a run a pids cgroup"))
    func sigkilledSupervisorsCgroupIsRemovedByTheNextCommand() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let run = try fixture.start(["run", "--pids", "64", "api", "--", "sleep", "1000"])
        #expect(Harness.eventually { fixture.registry.live().first?.phase == .running })
        let record = try #require(fixture.registry.live().first)
        let cgroup = try #require(record.cgroup, "the record names the run's cgroup")
        #expect(!cgroup.isEmpty && cgroup.allSatisfy { access($0, F_OK) == 0 })
        let ps = try fixture.run(["ps"])
        #expect(ps.stdout.contains(record.shortID) && !ps.stdout.contains("  -  "), "MEM and CPU from the cgroup: \(ps.stdout)")
        kill(record.supervisorPID, SIGKILL)
        _ = run.wait(timeout: 30)
        _ = try fixture.run(["status", "api"])
        #expect(cgroup.allSatisfy { access($0, F_OK) != 0 }, "cgroup directories left: \(cgroup.filter { access($0, F_OK) == 0 })")
        #expect(fixture.stateFiles().isEmpty)
    }

    @Test func gcSaysWhatItRemoved() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        // A record and a lock as a supervisor killed mid-run leaves them, made by hand.
        let state = try StateDirectory.open(path: fixture.state)
        let lock = try #require(try WorktreeLock.acquire(worktree: fixture.path("api"), state: state, wait: false))
        let dead = RunRecord(id: "00000000deadbeef", worker: "api", worktree: fixture.path("api"), branch: "api",
                             profile: "strict", command: ["true"], supervisorPID: 999_999, supervisorStartTicks: 1,
                             startedAt: "", startedUnixMs: 0)
        try RunRegistry(state: state).write(dead)
        // While the lock is held (a supervisor's init still dying), the record stays.
        #expect(StateSweeper(state: state).sweep().isEmpty)
        lock.abandonForTesting()
        let gc = try fixture.run(["gc"])
        #expect(gc.exitCode == 0)
        #expect(gc.stdout.contains("stale record of run 00000000 (worker api)"), "\(gc.stdout)")
        #expect(fixture.stateFiles().isEmpty)
        let again = try fixture.run(["gc"])
        #expect(again.stdout == "nothing to remove\n")
    }

    @Test func twoHundredSequentialRunsLeaveNothingBehind() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let worktree = fixture.path("api")
        let mountsBefore = Harness.hostMounts(mentioning: fixture.base).count
        var failures = 0
        for i in 0..<200 {
            let r = try fixture.run(["run", "api", "--", "sh", "-c", "echo run-\(i) > /tmp/x; cat /tmp/x"], timeout: 30)
            if r.exitCode != 0 || r.stdout != "run-\(i)\n" { failures += 1 }
        }
        #expect(failures == 0)
        #expect(WorkersFixture.processes(in: worktree).isEmpty, "no process left in the worktree")
        #expect(Harness.hostMounts(mentioning: fixture.base).count == mountsBefore && mountsBefore == 0)
        #expect(fixture.stateFiles().isEmpty, "\(fixture.stateFiles())")
        let logs = LogStore(state: StateDirectory(path: fixture.state))
        let kept = logs.logs(in: logs.directory(worktree: worktree))
        #expect(kept.count == LogRetention.defaultKeep, "the last \(LogRetention.defaultKeep) runs' logs are kept")
        #expect((try? FileSystem.readText(kept.last ?? "")) == "run-199\n")
        #expect(DirectoryListing.names(in: fixture.state + "/logs").count == 1)
    }
}
