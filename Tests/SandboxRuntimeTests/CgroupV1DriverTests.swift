import Foundation
import Testing
import SandboxCore
@testable import SandboxRuntime

/// The v1 driver against a fake cgroupfs tree laid out like this host's hierarchies.
struct CgroupV1DriverTests {
    let tree: FakeCgroupTree

    /// One hierarchy per controller, memsw present, no swap.
    init() throws {
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

    @Test func info() throws {
        let info = try driver().info
        #expect(info.mode == .hybrid)
        #expect(info.controllers == [.memory, .pids, .cpu, .cpuacct, .freezer, .blkio])
        #expect(info.swapAccounting == true)
        #expect(try driver(hybrid: false).info.mode == .legacy)
    }

    @Test func createMakesOneDirectoryPerHierarchyAndWritesEachFileThere() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 64 << 20, pids: 32, cpu: CPUQuota(quotaMicros: 50_000)), d))
        #expect(tree.read("memory/sandbox/r1/memory.limit_in_bytes") == "67108864")
        #expect(tree.read("memory/sandbox/r1/memory.memsw.limit_in_bytes") == "67108864", "swap off: mem+swap = mem")
        #expect(tree.read("pids/sandbox/r1/pids.max") == "32")
        #expect(tree.read("cpu/sandbox/r1/cpu.cfs_period_us") == "100000")
        #expect(tree.read("cpu/sandbox/r1/cpu.cfs_quota_us") == "50000")
        // Accounting and kill helpers are created too; blkio only when io is limited.
        #expect(tree.exists("cpuacct/sandbox/r1"))
        #expect(tree.exists("freezer/sandbox/r1"))
        #expect(!tree.exists("blkio/sandbox/r1"))
        #expect(run.paths.count == 5)
        #expect(run.cloneIntoFD == nil, "v1 has no CLONE_INTO_CGROUP")
    }

    @Test func coMountedControllersShareOneDirectory() throws {
        try FileManager.default.removeItem(atPath: tree.root + "/cpu")
        try FileManager.default.removeItem(atPath: tree.root + "/cpuacct")
        try tree.file("cpu,cpuacct/cgroup.procs", "")
        try tree.symlink("cpu", to: "cpu,cpuacct")
        try tree.symlink("cpuacct", to: "cpu,cpuacct")
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(cpu: CPUQuota(quotaMicros: 20_000)), d))
        #expect(tree.read("cpu,cpuacct/sandbox/r1/cpu.cfs_quota_us") == "20000")
        #expect(run.paths.filter { $0.contains("cpu") } == [tree.root + "/cpu,cpuacct/sandbox/r1"])
        try run.attach(pid: 77)
        #expect(tree.read("cpu,cpuacct/sandbox/r1/cgroup.procs") == "77")
    }

    @Test func attachWritesThePidIntoEveryHierarchy() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 4), d))
        try run.attach(pid: 4242)
        for c in ["memory", "pids", "cpu", "cpuacct", "freezer"] {
            #expect(tree.read("\(c)/sandbox/r1/cgroup.procs") == "4242", "\(c)")
        }
    }

    @Test func missingHierarchyIsRefusedAndNothingIsLeft() throws {
        try FileManager.default.removeItem(atPath: tree.root + "/pids")
        let d = try driver()
        let e = #expect(throws: SandboxError.self) { try plan(CgroupLimits(pids: 64), d) }
        #expect(e?.message.contains("controller `pids` has no v1 hierarchy") == true)
        #expect(e?.message.contains("--allow-unenforced pids") == true)
        let forged = CgroupPlan(limits: CgroupLimits(pids: 4), unenforced: [], controllers: [.memory, .pids],
                                writes: [CgroupWrite(.pids, "pids.max", "4")])
        let refused = #expect(throws: SandboxError.self) { try d.create(runID: "r1", plan: forged) }
        #expect(refused?.stage == .host)
        #expect(!tree.exists("memory/sandbox/r1"), "the memory directory made first is removed again")
    }

    @Test func usageParsing() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(memoryBytes: 1 << 30, pids: 10), d))
        try tree.file("memory/sandbox/r1/memory.max_usage_in_bytes", "52428800\n")
        // failcnt is ignored on purpose: it counts reclaim at the limit, not kills.
        try tree.file("memory/sandbox/r1/memory.failcnt", "999\n")
        try tree.file("memory/sandbox/r1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
        try tree.file("cpuacct/sandbox/r1/cpuacct.usage", "1234567890\n")
        try tree.file("cpu/sandbox/r1/cpu.stat", "nr_periods 10\nnr_throttled 5\nthrottled_time 300000000\nnr_bursts 0\nburst_time 0\n")
        try tree.file("pids/sandbox/r1/pids.peak", "9\n")
        #expect(run.usage() == CgroupUsage(memoryPeakBytes: 52_428_800, cpuUsageMs: 1234, pidsPeak: 9,
                                            pidsPeakIsLowerBound: false, oomKills: 1, cpuThrottledMs: 300))
    }

    @Test func killAllFreezesKillsListedTasksAndThaws() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(), d))
        let sleeper = try spawnSleeper()
        try tree.file("memory/sandbox/r1/cgroup.procs", "\(sleeper.processIdentifier)\n")
        run.killAll()
        sleeper.waitUntilExit()
        #expect(sleeper.terminationReason == .uncaughtSignal)
        #expect(sleeper.terminationStatus == SIGKILL)
        #expect(tree.read("freezer/sandbox/r1/freezer.state") == "THAWED", "never left frozen")
    }

    @Test func killAllWithNothingLeftDoesNotFreeze() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(), d))
        for c in ["memory", "pids", "cpu", "cpuacct", "freezer"] { try tree.file("\(c)/sandbox/r1/cgroup.procs", "") }
        run.killAll()
        #expect(!tree.exists("freezer/sandbox/r1/freezer.state"))
    }

    @Test func removeAndSweep() throws {
        let d = try driver()
        let run = try d.create(runID: "r1", plan: plan(CgroupLimits(pids: 3), d))
        for path in run.paths { try tree.dropInterfaceFiles(String(path.dropFirst(tree.root.count + 1))) }
        try run.remove()
        for path in run.paths { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }

        try tree.directory("memory/sandbox/stale")
        tree.age("memory/sandbox/stale", seconds: 600)
        try tree.file("pids/sandbox/live/cgroup.procs", "1\n")
        tree.age("pids/sandbox/live", seconds: 600)
        try tree.directory("memory/machine")
        tree.age("memory/machine", seconds: 600)
        #expect(d.sweep(minimumAgeSeconds: 60) == [tree.root + "/memory/sandbox/stale"])
        #expect(tree.exists("pids/sandbox/live"))
        #expect(tree.exists("memory/machine"))
    }
}
