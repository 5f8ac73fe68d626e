import Foundation
import Testing
import SandboxCore
@testable import SandboxRuntime

/// The v2 driver against a fake cgroupfs tree in a temp dir (see FakeCgroupTree).
struct CgroupV2DriverTests {
    let tree: FakeCgroupTree

    init() throws {
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

    @Test func info() throws {
        let info = try driver().info
        #expect(info.mode == .unified)
        #expect(info.controllers == [.memory, .pids, .cpu, .io])
        #expect(info.writable)
        #expect(info.swapAccounting == nil, "unknown until the sandbox subtree exists")
        #expect(!info.hostHasSwap)
        #expect(info.enforceableLimits == [.memory, .swap, .pids, .cpu, .io])
    }

    @Test func createEnablesControllersDownTheSubtreeAndWritesLimits() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 64 << 20, pids: 32, cpu: CPUQuota(quotaMicros: 50_000)), d))
        #expect(tree.read("cgroup.subtree_control") == "+memory +pids +cpu")
        #expect(tree.read("sandbox/cgroup.subtree_control") == "+memory +pids +cpu")
        #expect(tree.read("sandbox/r1/memory.max") == "67108864")
        #expect(tree.read("sandbox/r1/memory.swap.max") == "0")
        #expect(tree.read("sandbox/r1/pids.max") == "32")
        #expect(tree.read("sandbox/r1/cpu.max") == "50000 100000")
        #expect(run.paths == [tree.root + "/sandbox/r1"])
        // The clone3 fd is the run's directory.
        let fd = try #require(run.cloneIntoFD)
        var a = stat(), b = stat()
        #expect(fstat(fd, &a) == 0)
        #expect(stat(tree.root + "/sandbox/r1", &b) == 0)
        #expect(a.st_ino == b.st_ino)
    }

    @Test func alreadyEnabledControllersAreNotRewritten() throws {
        try tree.file("cgroup.subtree_control", "cpu io memory pids\n")
        let d = try driver()
        _ = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 8), d))
        #expect(tree.read("cgroup.subtree_control") == "cpu io memory pids\n")
    }

    @Test func missingControllerIsRefusedAndNothingIsCreated() throws {
        try tree.file("cgroup.controllers", "cpu io\n")
        let d = try driver()
        let e = #expect(throws: SandboxError.self) { try plan(CgroupLimits(memoryBytes: 1 << 20), d) }
        #expect(e?.description.contains("host: limit `memory` cannot be enforced: controller `memory` is not in") == true)
        // Even a plan made elsewhere is refused by the driver.
        let forged = CgroupPlan(limits: CgroupLimits(pids: 4), unenforced: [], controllers: [.pids],
                                writes: [CgroupWrite(.pids, "pids.max", "4")])
        let refused = #expect(throws: SandboxError.self) { try d.create(runID: "r1", plan: forged) }
        #expect(refused?.stage == .host)
        #expect(refused?.message.contains("`pids`") == true)
        #expect(!tree.exists("sandbox/r1"))
    }

    @Test func anExistingRunDirectoryIsNeverReused() throws {
        let d = try driver()
        try tree.directory("sandbox/r1")
        let e = #expect(throws: SandboxError.self) { try d.create(runID: "r1", plan: plan(CgroupLimits(), d)) }
        #expect(e?.message.contains("mkdir `\(tree.root)/sandbox/r1`: File exists (EEXIST)") == true)
    }

    @Test(arguments: ["", "..", "a/b", "../../memory", "x y"])
    func runIDMustBeOneSafeName(_ bad: String) throws {
        let d = try driver()
        #expect(throws: SandboxError.self) { try d.create(runID: bad, plan: plan(CgroupLimits(), d)) }
    }

    @Test func anEmptyPlanMakesNoCgroup() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: CgroupPlan(limits: CgroupLimits(), unenforced: [], controllers: [], writes: []))
        #expect(run.paths == [])
        #expect(!tree.exists("sandbox"))
    }

    @Test func attachWritesThePid() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(), d))
        try run.attach(pid: 4242)
        #expect(tree.read("sandbox/r1/cgroup.procs") == "4242")
    }

    @Test func usageParsing() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 1 << 30), d))
        try tree.file("sandbox/r1/memory.peak", "123456789\n")
        try tree.file("sandbox/r1/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 30\nnr_throttled 20\nthrottled_usec 1200000\n")
        try tree.file("sandbox/r1/memory.events", "low 0\nhigh 0\nmax 40\noom 2\noom_kill 2\noom_group_kill 0\n")
        try tree.file("sandbox/r1/pids.peak", "17\n")
        #expect(run.usage() == CgroupUsage(memoryPeakBytes: 123_456_789, cpuUsageMs: 2500, pidsPeak: 17,
                                            pidsPeakIsLowerBound: false, oomKills: 2, cpuThrottledMs: 1200))
    }

    @Test func pidsPeakWithoutPidsPeakFileIsALowerBoundRaisedToTheLimitWhenHit() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 64), d))
        try tree.file("sandbox/r1/pids.current", "5\n")
        try tree.file("sandbox/r1/pids.events", "max 0\n")
        #expect(run.usage().pidsPeak == 5)
        #expect(run.usage().pidsPeakIsLowerBound)
        try tree.file("sandbox/r1/pids.current", "1\n")
        #expect(run.usage().pidsPeak == 5, "the largest sample is kept")
        try tree.file("sandbox/r1/pids.events", "max 3\n")
        #expect(run.usage().pidsPeak == 64, "a refused fork means the count reached pids.max")
    }

    @Test func killAllUsesCgroupKill() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(), d))
        run.killAll()
        #expect(tree.read("sandbox/r1/cgroup.kill") == "1")
    }

    @Test func removeRetriesWhilePopulatedThenSucceeds() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 2), d))
        // Still "populated": rmdir keeps failing until the drain time is over.
        let e = #expect(throws: SandboxError.self) { try run.remove() }
        #expect(e?.message.contains("rmdir `\(tree.root)/sandbox/r1`") == true)
        #expect(run.cloneIntoFD == nil, "remove closes the clone3 fd")
        try tree.dropInterfaceFiles("sandbox/r1")
        try run.remove()
        #expect(!tree.exists("sandbox/r1"))
        #expect(tree.exists("sandbox"), "the shared subtree stays for other runs")
    }

    @Test func sweepRemovesOnlyOldEmptyRunsUnderTheSubtree() throws {
        let d = try driver()
        try tree.directory("sandbox/stale")
        tree.age("sandbox/stale", seconds: 600)
        try tree.directory("sandbox/fresh")                      // just created, not yet populated
        try tree.file("sandbox/live/cgroup.procs", "1234\n")     // populated: rmdir refuses
        tree.age("sandbox/live", seconds: 600)
        try tree.directory("other")                              // not ours
        tree.age("other", seconds: 600)
        let held = try d.create(runID: "held", plan: plan(CgroupLimits(), d))  // a live run's lock
        try tree.dropInterfaceFiles("sandbox/held")
        tree.age("sandbox/held", seconds: 600)
        #expect(d.sweep(minimumAgeSeconds: 60) == [tree.root + "/sandbox/stale"])
        #expect(tree.exists("sandbox/held"), "locked by its run")
        try held.remove()
        #expect(!tree.exists("sandbox/held"))
        #expect(tree.exists("sandbox/fresh"))
        #expect(tree.exists("sandbox/live/cgroup.procs"))
        #expect(tree.exists("other"))
    }
}
