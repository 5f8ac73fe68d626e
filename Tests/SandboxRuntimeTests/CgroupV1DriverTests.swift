import Foundation
import XCTest
import SandboxCore
@testable import SandboxRuntime

final class CgroupV1DriverTests: XCTestCase {
    var tree: FakeCgroupTree!

    /// This host's layout: one hierarchy per controller, memsw present, no swap.
    override func setUpWithError() throws {
        tree = try FakeCgroupTree()
        for c in ["memory", "pids", "cpu", "cpuacct", "freezer", "blkio"] {
            try tree.file("\(c)/cgroup.procs", "")
        }
        try tree.file("memory/memory.memsw.limit_in_bytes", "9223372036854771712\n")
    }

    func driver(hybrid: Bool = true) throws -> CgroupV1Driver {
        CgroupV1Driver(root: tree.root, procSwaps: try tree.noSwap(), hybrid: hybrid, drainSeconds: 0.05, freezeSeconds: 0.2)
    }

    func plan(_ limits: CgroupLimits, _ driver: CgroupV1Driver) throws -> CgroupPlan {
        try CgroupPlan.make(limits: limits, host: driver.info)
    }

    func testInfo() throws {
        let info = try driver().info
        XCTAssertEqual(info.mode, .hybrid)
        XCTAssertEqual(info.controllers, [.memory, .pids, .cpu, .cpuacct, .freezer, .blkio])
        XCTAssertEqual(info.swapAccounting, true)
        XCTAssertEqual(try driver(hybrid: false).info.mode, .legacy)
    }

    func testCreateMakesOneDirectoryPerHierarchyAndWritesEachFileThere() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 64 << 20, pids: 32, cpu: CPUQuota(quotaMicros: 50_000)), d))
        XCTAssertEqual(tree.read("memory/sandbox/r1/memory.limit_in_bytes"), "67108864")
        XCTAssertEqual(tree.read("memory/sandbox/r1/memory.memsw.limit_in_bytes"), "67108864", "swap off: mem+swap = mem")
        XCTAssertEqual(tree.read("pids/sandbox/r1/pids.max"), "32")
        XCTAssertEqual(tree.read("cpu/sandbox/r1/cpu.cfs_period_us"), "100000")
        XCTAssertEqual(tree.read("cpu/sandbox/r1/cpu.cfs_quota_us"), "50000")
        // Accounting and kill helpers are created too; blkio only when io is limited.
        XCTAssertTrue(tree.exists("cpuacct/sandbox/r1"))
        XCTAssertTrue(tree.exists("freezer/sandbox/r1"))
        XCTAssertFalse(tree.exists("blkio/sandbox/r1"))
        XCTAssertEqual(run.paths.count, 5)
        XCTAssertNil(run.cloneIntoFD, "v1 has no CLONE_INTO_CGROUP")
    }

    func testCoMountedControllersShareOneDirectory() throws {
        try FileManager.default.removeItem(atPath: tree.root + "/cpu")
        try FileManager.default.removeItem(atPath: tree.root + "/cpuacct")
        try tree.file("cpu,cpuacct/cgroup.procs", "")
        try tree.symlink("cpu", to: "cpu,cpuacct")
        try tree.symlink("cpuacct", to: "cpu,cpuacct")
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(cpu: CPUQuota(quotaMicros: 20_000)), d))
        XCTAssertEqual(tree.read("cpu,cpuacct/sandbox/r1/cpu.cfs_quota_us"), "20000")
        XCTAssertEqual(run.paths.filter { $0.contains("cpu") }, [tree.root + "/cpu,cpuacct/sandbox/r1"])
        try run.attach(pid: 77)
        XCTAssertEqual(tree.read("cpu,cpuacct/sandbox/r1/cgroup.procs"), "77")
    }

    func testAttachWritesThePidIntoEveryHierarchy() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 4), d))
        try run.attach(pid: 4242)
        for c in ["memory", "pids", "cpu", "cpuacct", "freezer"] {
            XCTAssertEqual(tree.read("\(c)/sandbox/r1/cgroup.procs"), "4242", c)
        }
    }

    func testMissingHierarchyIsRefusedAndNothingIsLeft() throws {
        try FileManager.default.removeItem(atPath: tree.root + "/pids")
        let d = try driver()
        XCTAssertThrowsError(try plan(CgroupLimits(pids: 64), d)) {
            XCTAssertTrue("\($0)".contains("controller `pids` has no v1 hierarchy"), "\($0)")
            XCTAssertTrue("\($0)".contains("--allow-unenforced pids"), "\($0)")
        }
        let forged = CgroupPlan(limits: CgroupLimits(pids: 4), unenforced: [], controllers: [.memory, .pids],
                                writes: [CgroupWrite(.pids, "pids.max", "4")])
        XCTAssertThrowsError(try d.create(runID: "r1", plan: forged)) {
            XCTAssertEqual(($0 as! SandboxError).stage, .host)
        }
        XCTAssertFalse(tree.exists("memory/sandbox/r1"), "the memory directory made first is removed again")
    }

    func testUsageParsing() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 1 << 30, pids: 10), d))
        try tree.file("memory/sandbox/r1/memory.max_usage_in_bytes", "52428800\n")
        // failcnt is ignored on purpose: it counts reclaim at the limit, not kills.
        try tree.file("memory/sandbox/r1/memory.failcnt", "999\n")
        try tree.file("memory/sandbox/r1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
        try tree.file("cpuacct/sandbox/r1/cpuacct.usage", "1234567890\n")
        try tree.file("cpu/sandbox/r1/cpu.stat", "nr_periods 10\nnr_throttled 5\nthrottled_time 300000000\nnr_bursts 0\nburst_time 0\n")
        try tree.file("pids/sandbox/r1/pids.peak", "9\n")
        XCTAssertEqual(run.usage(), CgroupUsage(memoryPeakBytes: 52_428_800, cpuUsageMs: 1234, pidsPeak: 9,
                                                pidsPeakIsLowerBound: false, oomKills: 1, cpuThrottledMs: 300))
    }

    func testKillAllFreezesKillsListedTasksAndThaws() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(), d))
        let sleeper = try spawnSleeper()
        try tree.file("memory/sandbox/r1/cgroup.procs", "\(sleeper.processIdentifier)\n")
        run.killAll()
        sleeper.waitUntilExit()
        XCTAssertEqual(sleeper.terminationReason, .uncaughtSignal)
        XCTAssertEqual(sleeper.terminationStatus, SIGKILL)
        XCTAssertEqual(tree.read("freezer/sandbox/r1/freezer.state"), "THAWED", "never left frozen")
    }

    func testRemoveAndSweep() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 3), d))
        for path in run.paths { try tree.dropInterfaceFiles(String(path.dropFirst(tree.root.count + 1))) }
        try run.remove()
        for path in run.paths { XCTAssertFalse(FileManager.default.fileExists(atPath: path), path) }

        try tree.directory("memory/sandbox/stale")
        tree.age("memory/sandbox/stale", seconds: 600)
        try tree.file("pids/sandbox/live/cgroup.procs", "1\n")
        tree.age("pids/sandbox/live", seconds: 600)
        try tree.directory("memory/machine")
        tree.age("memory/machine", seconds: 600)
        XCTAssertEqual(d.sweep(minimumAgeSeconds: 60), [tree.root + "/memory/sandbox/stale"])
        XCTAssertTrue(tree.exists("pids/sandbox/live"))
        XCTAssertTrue(tree.exists("memory/machine"))
    }
}
