import Foundation
import XCTest
import SandboxCore
@testable import SandboxRuntime

/// Real cgroups, as root: on this host they are v1 (hybrid), in `scripts/vm-test.sh` pure v2.
/// The same test runs on both through the one driver interface; it only creates cgroups under
/// a `sandbox` subtree and checks that each run leaves nothing behind.
final class CgroupPrivilegedTests: XCTestCase {
    var driver: (any CgroupDriver)!
    var runs: [any CgroupRun] = []
    var processes: [Process] = []

    override func setUpWithError() throws {
        guard getuid() == 0 else {
            throw XCTSkip("needs root: creates cgroups under /sys/fs/cgroup (run as root here, or via scripts/vm-test.sh for v2)")
        }
        driver = CgroupDriverFactory.make()
        // Not a skip: a root test run on a host without cgroups must say so.
        XCTAssertNotEqual(driver.info.mode, .none, "no cgroup filesystem at /sys/fs/cgroup")
    }

    override func tearDown() {
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for run in runs {
            run.killAll()
            try? run.remove()
        }
        runs = []
        processes = []
    }

    func makeRun(_ limits: CgroupLimits, driver: (any CgroupDriver)? = nil) throws -> (any CgroupRun, CgroupPlan, String) {
        let d = driver ?? self.driver!
        let plan = try CgroupPlan.make(limits: limits, host: d.info)
        let id = "test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let run = try d.create(runID: id, plan: plan)
        runs.append(run)
        return (run, plan, id)
    }

    /// `sh -c 'read x; SCRIPT'`: runs SCRIPT only once released, so it is attached first, as
    /// the runner attaches before sending the sync byte.
    func spawnGated(_ script: String) throws -> (Process, FileHandle) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "read x; " + script]
        let gate = Pipe()
        p.standardInput = gate
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        processes.append(p)
        return (p, gate.fileHandleForWriting)
    }

    func release(_ gate: FileHandle) {
        gate.write("go\n".data(using: .utf8)!)
    }

    func read(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    func removeAndCheckNothingLeft(_ run: any CgroupRun) throws {
        run.killAll()
        try run.remove()
        for path in run.paths { XCTAssertFalse(FileManager.default.fileExists(atPath: path), "left behind: \(path)") }
        runs.removeAll { $0 === run }
    }

    func testLifecycleLimitsAttachUsageKillRemove() throws {
        let (run, plan, id) = try makeRun(CgroupLimits(memoryBytes: 64 << 20, pids: 16, cpu: CPUQuota(quotaMicros: 50_000)))
        XCTAssertEqual(run.cloneIntoFD != nil, driver.info.mode == .unified, "clone3 fd exactly in v2")
        // The kernel reads back every value the plan wrote.
        for write in plan.writes {
            let file = run.paths.map { $0 + "/" + write.file }.first { FileManager.default.fileExists(atPath: $0) }
            XCTAssertEqual(file.map(read), write.value, write.file)
        }
        let (p, gate) = try spawnGated("sleep 100 & sleep 100 & wait")
        try run.attach(pid: p.processIdentifier)
        // One line per hierarchy (v1) or the single v2 line names the run's cgroup.
        let membership = read("/proc/\(p.processIdentifier)/cgroup").split(separator: "\n")
        XCTAssertEqual(membership.filter { $0.hasSuffix("/sandbox/\(id)") }.count, run.paths.count, "\(membership)")
        release(gate)
        XCTAssertTrue(waitFor(5) { (run.usage().pidsPeak ?? 0) >= 3 }, "sh and two sleeps: \(run.usage())")
        let usage = run.usage()
        print("\(name) [\(driver.info.mode.rawValue)]: \(usage)")
        XCTAssertGreaterThan(usage.memoryPeakBytes ?? 0, 0)
        XCTAssertNotNil(usage.cpuUsageMs)
        XCTAssertEqual(usage.oomKills, 0)
        XCTAssertLessThanOrEqual(usage.pidsPeak ?? 99, 16)

        run.killAll()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertEqual(p.terminationStatus, SIGKILL)
        XCTAssertTrue(waitFor(2) { run.paths.allSatisfy { self.read($0 + "/cgroup.procs").isEmpty } }, "the sleeps died too")
        try removeAndCheckNothingLeft(run)
    }

    func testMemoryHogIsOOMKilledAndCounted() throws {
        let (run, _, _) = try makeRun(CgroupLimits(memoryBytes: 32 << 20))
        // tail keeps a line without newline whole: it grows until the cgroup's OOM killer acts.
        let (p, gate) = try spawnGated("head -c 400000000 /dev/zero | tail")
        try run.attach(pid: p.processIdentifier)
        release(gate)
        p.waitUntilExit()
        let usage = run.usage()
        print("\(name) [\(driver.info.mode.rawValue)]: \(usage)")
        XCTAssertGreaterThanOrEqual(usage.oomKills ?? 0, 1, "\(usage)")
        XCTAssertLessThanOrEqual(usage.memoryPeakBytes ?? .max, 32 << 20)
        XCTAssertEqual(p.terminationStatus, 137, "sh reports tail's SIGKILL")
        try removeAndCheckNothingLeft(run)
    }

    func testForkBombIsContainedByPids() throws {
        let (run, _, _) = try makeRun(CgroupLimits(pids: 8))
        let (p, gate) = try spawnGated("i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; wait")
        try run.attach(pid: p.processIdentifier)
        release(gate)
        XCTAssertTrue(waitFor(10) { (run.usage().pidsPeak ?? 0) >= 8 || !p.isRunning }, "\(run.usage())")
        let usage = run.usage()
        print("\(name) [\(driver.info.mode.rawValue)]: \(usage)")
        XCTAssertLessThanOrEqual(usage.pidsPeak ?? 99, 8, "\(usage)")
        XCTAssertGreaterThanOrEqual(usage.pidsPeak ?? 0, 2, "\(usage)")
        try removeAndCheckNothingLeft(run)
        p.waitUntilExit()
    }

    func testCPUQuotaThrottles() throws {
        let (run, _, _) = try makeRun(CgroupLimits(cpu: CPUQuota(quotaMicros: 20_000)))  // 0.2 CPU
        let (p, gate) = try spawnGated("while :; do :; done")
        try run.attach(pid: p.processIdentifier)
        let start = Date()
        release(gate)
        usleep(1_500_000)
        let usage = run.usage()
        print("\(name) [\(driver.info.mode.rawValue)]: \(usage)")
        let wallMs = Date().timeIntervalSince(start) * 1000
        XCTAssertGreaterThan(usage.cpuThrottledMs ?? 0, 0, "\(usage)")
        XCTAssertLessThanOrEqual(Double(usage.cpuUsageMs ?? .max), 0.2 * wallMs * 1.5 + 50, "\(usage), wall \(wallMs) ms")
        try removeAndCheckNothingLeft(run)
        p.waitUntilExit()
    }

    func testSweepRemovesOnlyEmptyRunsAndNeverALiveOne() throws {
        // A subtree of its own, so that no other run on this host is ever swept by a test.
        let subtree = "sandbox-sweeptest-\(getpid())"
        let d = CgroupDriverFactory.make(subtree: subtree)
        let (live, _, _) = try makeRun(CgroupLimits(pids: 4), driver: d)
        let (stale, _, _) = try makeRun(CgroupLimits(pids: 4), driver: d)
        let (p, gate) = try spawnGated("sleep 100")
        try live.attach(pid: p.processIdentifier)
        release(gate)
        XCTAssertEqual(Set(d.sweep(minimumAgeSeconds: 0)), Set(stale.paths))
        for path in stale.paths { XCTAssertFalse(FileManager.default.fileExists(atPath: path)) }
        for path in live.paths { XCTAssertTrue(FileManager.default.fileExists(atPath: path)) }
        XCTAssertEqual(d.sweep(minimumAgeSeconds: 3600), [], "too young to sweep")
        try removeAndCheckNothingLeft(live)
        runs.removeAll { $0 === stale }
        p.waitUntilExit()
        // The test's own subtree directories go too.
        for path in Set(live.paths.map { ($0 as NSString).deletingLastPathComponent }) {
            XCTAssertEqual(rmdir(path), 0, path)
        }
    }
}
