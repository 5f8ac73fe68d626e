import Foundation
import XCTest
import SandboxCore
@testable import SandboxRuntime

final class CgroupV2DriverTests: XCTestCase {
    var tree: FakeCgroupTree!

    override func setUpWithError() throws {
        tree = try FakeCgroupTree()
        // What a fresh v2 VM shows: controllers available at the root, none enabled.
        try tree.file("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n")
        try tree.file("cgroup.subtree_control", "")
    }

    func driver() throws -> CgroupV2Driver {
        CgroupV2Driver(root: tree.root, procSwaps: try tree.noSwap(), drainSeconds: 0.05)
    }

    func plan(_ limits: CgroupLimits, _ driver: CgroupV2Driver) throws -> CgroupPlan {
        try CgroupPlan.make(limits: limits, host: driver.info)
    }

    func testInfo() throws {
        let info = try driver().info
        XCTAssertEqual(info.mode, .unified)
        XCTAssertEqual(info.controllers, [.memory, .pids, .cpu, .io])
        XCTAssertTrue(info.writable)
        XCTAssertNil(info.swapAccounting, "unknown until the sandbox subtree exists")
        XCTAssertFalse(info.hostHasSwap)
        XCTAssertEqual(info.enforceableLimits, [.memory, .swap, .pids, .cpu, .io])
    }

    func testCreateEnablesControllersDownTheSubtreeAndWritesLimits() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 64 << 20, pids: 32, cpu: CPUQuota(quotaMicros: 50_000)), d))
        XCTAssertEqual(tree.read("cgroup.subtree_control"), "+memory +pids +cpu")
        XCTAssertEqual(tree.read("sandbox/cgroup.subtree_control"), "+memory +pids +cpu")
        XCTAssertEqual(tree.read("sandbox/r1/memory.max"), "67108864")
        XCTAssertEqual(tree.read("sandbox/r1/memory.swap.max"), "0")
        XCTAssertEqual(tree.read("sandbox/r1/pids.max"), "32")
        XCTAssertEqual(tree.read("sandbox/r1/cpu.max"), "50000 100000")
        XCTAssertEqual(run.paths, [tree.root + "/sandbox/r1"])
        // The clone3 fd is the run's directory.
        let fd = try XCTUnwrap(run.cloneIntoFD)
        var a = stat(), b = stat()
        XCTAssertEqual(fstat(fd, &a), 0)
        XCTAssertEqual(stat(tree.root + "/sandbox/r1", &b), 0)
        XCTAssertEqual(a.st_ino, b.st_ino)
    }

    func testAlreadyEnabledControllersAreNotRewritten() throws {
        try tree.file("cgroup.subtree_control", "cpu io memory pids\n")
        let d = try driver()
        _ = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 8), d))
        XCTAssertEqual(tree.read("cgroup.subtree_control"), "cpu io memory pids\n")
    }

    func testMissingControllerIsRefusedAndNothingIsCreated() throws {
        try tree.file("cgroup.controllers", "cpu io\n")
        let d = try driver()
        XCTAssertThrowsError(try plan(CgroupLimits(memoryBytes: 1 << 20), d)) {
            XCTAssertTrue("\($0)".contains("host: limit `memory` cannot be enforced: controller `memory` is not in"), "\($0)")
        }
        // Even a plan made elsewhere is refused by the driver.
        let forged = CgroupPlan(limits: CgroupLimits(pids: 4), unenforced: [], controllers: [.pids],
                                writes: [CgroupWrite(.pids, "pids.max", "4")])
        XCTAssertThrowsError(try d.create(runID: "r1", plan: forged)) {
            let e = $0 as! SandboxError
            XCTAssertEqual(e.stage, .host)
            XCTAssertTrue(e.message.contains("`pids`"), e.message)
        }
        XCTAssertFalse(tree.exists("sandbox/r1"))
    }

    func testAnExistingRunDirectoryIsNeverReused() throws {
        let d = try driver()
        try tree.directory("sandbox/r1")
        XCTAssertThrowsError(try d.create(runID: "r1", plan: plan(CgroupLimits(), d))) {
            XCTAssertTrue("\($0)".contains("mkdir `\(self.tree.root)/sandbox/r1`: File exists (EEXIST)"), "\($0)")
        }
    }

    func testRunIDMustBeOneSafeName() throws {
        let d = try driver()
        for bad in ["", "..", "a/b", "../../memory", "x y"] {
            XCTAssertThrowsError(try d.create(runID: bad, plan: plan(CgroupLimits(), d)), bad)
        }
    }

    func testAttachWritesThePid() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(), d))
        try run.attach(pid: 4242)
        XCTAssertEqual(tree.read("sandbox/r1/cgroup.procs"), "4242")
    }

    func testUsageParsing() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 1 << 30), d))
        try tree.file("sandbox/r1/memory.peak", "123456789\n")
        try tree.file("sandbox/r1/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 30\nnr_throttled 20\nthrottled_usec 1200000\n")
        try tree.file("sandbox/r1/memory.events", "low 0\nhigh 0\nmax 40\noom 2\noom_kill 2\noom_group_kill 0\n")
        try tree.file("sandbox/r1/pids.peak", "17\n")
        XCTAssertEqual(run.usage(), CgroupUsage(memoryPeakBytes: 123_456_789, cpuUsageMs: 2500, pidsPeak: 17,
                                                pidsPeakIsLowerBound: false, oomKills: 2, cpuThrottledMs: 1200))
    }

    func testPidsPeakWithoutPidsPeakFileIsALowerBoundRaisedToTheLimitWhenHit() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 64), d))
        try tree.file("sandbox/r1/pids.current", "5\n")
        try tree.file("sandbox/r1/pids.events", "max 0\n")
        XCTAssertEqual(run.usage().pidsPeak, 5)
        XCTAssertTrue(run.usage().pidsPeakIsLowerBound)
        try tree.file("sandbox/r1/pids.current", "1\n")
        XCTAssertEqual(run.usage().pidsPeak, 5, "the largest sample is kept")
        try tree.file("sandbox/r1/pids.events", "max 3\n")
        XCTAssertEqual(run.usage().pidsPeak, 64, "a refused fork means the count reached pids.max")
    }

    func testKillAllUsesCgroupKill() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(), d))
        run.killAll()
        XCTAssertEqual(tree.read("sandbox/r1/cgroup.kill"), "1")
    }

    func testRemoveRetriesWhilePopulatedThenSucceeds() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 2), d))
        // Still "populated": rmdir keeps failing until the drain time is over.
        XCTAssertThrowsError(try run.remove()) {
            XCTAssertTrue("\($0)".contains("rmdir `\(self.tree.root)/sandbox/r1`"), "\($0)")
        }
        XCTAssertNil(run.cloneIntoFD, "remove closes the clone3 fd")
        try tree.dropInterfaceFiles("sandbox/r1")
        try run.remove()
        XCTAssertFalse(tree.exists("sandbox/r1"))
        XCTAssertTrue(tree.exists("sandbox"), "the shared subtree stays for other runs")
    }

    func testSweepRemovesOnlyOldEmptyRunsUnderTheSubtree() throws {
        let d = try driver()
        try tree.directory("sandbox/stale")
        tree.age("sandbox/stale", seconds: 600)
        try tree.directory("sandbox/fresh")                      // just created, not yet populated
        try tree.file("sandbox/live/cgroup.procs", "1234\n")     // populated: rmdir refuses
        tree.age("sandbox/live", seconds: 600)
        try tree.directory("other")                              // not ours
        tree.age("other", seconds: 600)
        XCTAssertEqual(d.sweep(minimumAgeSeconds: 60), [tree.root + "/sandbox/stale"])
        XCTAssertTrue(tree.exists("sandbox/fresh"))
        XCTAssertTrue(tree.exists("sandbox/live/cgroup.procs"))
        XCTAssertTrue(tree.exists("other"))
    }
}
