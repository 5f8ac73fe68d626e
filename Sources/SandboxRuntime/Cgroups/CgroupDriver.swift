import SandboxCore

/// The one interface to the host's cgroups. `CgroupDriverFactory.make` picks the backend
/// (v2, or v1 for legacy and hybrid hosts) from the real mounts; no caller branches on the
/// version (as youki's `CgroupManager`, crun's `cgroup-internal.h`).
public protocol CgroupDriver: Sendable {
    /// What this host offers: `sandbox doctor` prints it and the planner decides with it.
    var info: CgroupHostInfo { get }

    /// Creates the run's cgroup under the `sandbox` subtree and applies `plan.writes`.
    /// On failure nothing of the run is left behind.
    func create(runID: String, plan: CgroupPlan) throws(SandboxError) -> any CgroupRun

    /// Crash recovery: removes run cgroups under the `sandbox` subtree left by runners that
    /// died. A live run is never touched: it holds an flock on its directories (a sweep skips
    /// them), rmdir refuses a cgroup that still has processes, and directories younger than
    /// `minimumAgeSeconds` are left alone (the instant between mkdir and lock). Returns the
    /// directories removed. Touches nothing outside the subtree.
    func sweep(minimumAgeSeconds: Double) -> [String]
}

/// One run's cgroup (one directory in v2, one per hierarchy in v1).
public protocol CgroupRun: AnyObject, Sendable {
    /// The run's directories, for messages and the report.
    var paths: [String] { get }

    /// v2: an O_DIRECTORY fd of the run's cgroup for clone3(CLONE_INTO_CGROUP), so the
    /// command is inside before its first instruction. v1: nil (see `openTasksFiles`).
    var cloneIntoFD: Int32? { get }

    /// v1: write-only descriptors of the run's `tasks` files, one per directory. The launched
    /// child writes "0" to each after the parent's go and before anything else, moving
    /// itself: cheap, where the parent moving it through `cgroup.procs` waits for an RCU
    /// grace period (5-30 ms per run measured). v2: none (CLONE_INTO_CGROUP). The caller
    /// closes them.
    func openTasksFiles() throws(SandboxError) -> [Int32]

    /// Moves `pid` (a whole process) into the run's cgroup(s), from outside. The launcher
    /// does not use it (see `cloneIntoFD` and `openTasksFiles`).
    func attach(pid: Int32) throws(SandboxError)

    /// Reads the counters. Also samples the task count, so calling it periodically while the
    /// run lives makes `pids_peak` tighter on kernels without `pids.peak`.
    func usage() -> CgroupUsage

    /// Kills every process in the run, however it forked or whatever it ignores.
    func killAll()

    /// Removes the run's directories, retrying briefly while killed tasks drain. Closes
    /// `cloneIntoFD`.
    func remove() throws(SandboxError)
}
