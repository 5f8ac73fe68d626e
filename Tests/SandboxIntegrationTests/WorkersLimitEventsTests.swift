#if canImport(Glibc)
import Glibc
#endif
import Testing
import SandboxCore
@testable import SandboxRuntime

/// `--events` reports a cgroup limit while the run still lives (not only in the report at
/// the end). Real cgroups (root, a host whose cgroups can limit pids and memory).
@Suite(.serialized, .enabled(if: WorkersFixture.skipReason == nil, "needs root: runs sandboxes in real namespaces"))
struct WorkersLimitEventsTests {
    static let enforceable = CgroupDriverFactory.make().info.enforceableLimits

    func lines(_ path: String) -> [String] {
        ((try? FileSystem.readText(path)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test(.enabled(if: enforceable.contains(.pids), "this host cannot limit pids"))
    func pidsLimitIsReportedWhileTheRunLives() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let events = fixture.base + "/events.jsonl"
        let run = try fixture.start(["run", "--events", events, "--pids", "8", "api", "--", "sh", "-c",
                                     "(for i in $(seq 20); do sleep 100 & done) 2>/dev/null; sleep 100"])
        // 30 s: under the parallel suites the 20 forks and the 1 s refresh took over 10 s once.
        let seen = Harness.eventually(timeout: 30) {
            lines(events).contains { $0.contains("\"event\":\"limit_hit\"") && $0.contains("\"limit\":\"pids\"") }
        }
        #expect(seen, "\(lines(events))")
        #expect(fixture.running("api") != nil, "reported while the run lives")
        #expect(try fixture.run(["kill", "--signal", "KILL", "api"]).exitCode == 0)
        _ = run.wait(timeout: 30)
        #expect(lines(events).last?.contains("\"event\":\"exited\"") == true)
    }

    @Test func wallTimeoutIsAnEventThenTheReport() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let events = fixture.base + "/events.jsonl"
        let r = try fixture.run(["run", "--events", events, "--timeout", "1s", "api", "--", "sleep", "100"], timeout: 30)
        #expect(r.exitCode == 124, "\(r.summary)")
        let all = lines(events)
        let timeout = try #require(all.firstIndex { $0.contains("\"event\":\"timeout\"") }, "\(all)")
        #expect(all[timeout].contains("\"limit\":\"wall-clock\""))
        #expect(all.last?.contains("\"event\":\"exited\"") == true && all.last?.contains("\"status\":\"timeout\"") == true)
        #expect(timeout < all.count - 1)
    }

    @Test(.enabled(if: enforceable.contains(.memory), "this host cannot limit memory"))
    func oomIsReportedBeforeTheRunEnds() throws {
        let fixture = try WorkersFixture(worktrees: ["api"])
        defer { fixture.cleanup() }
        let events = fixture.base + "/events.jsonl"
        // A child is OOM-killed; the shell survives it and keeps the run alive a while.
        let run = try fixture.start(["run", "--events", events, "--memory", "32MiB", "api", "--", "sh", "-c",
                                     "python3 -c 'x = bytearray(256 << 20)' || true; sleep 100"])
        let seen = Harness.eventually(timeout: 20) {
            lines(events).contains { $0.contains("\"event\":\"limit_hit\"") && $0.contains("\"limit\":\"memory\"") }
        }
        #expect(seen, "\(lines(events))")
        #expect(fixture.running("api") != nil, "reported while the run lives")
        #expect(try fixture.run(["kill", "--signal", "KILL", "api"]).exitCode == 0)
        _ = run.wait(timeout: 30)
    }
}
