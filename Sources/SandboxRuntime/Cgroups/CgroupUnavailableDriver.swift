import SandboxCore

/// A host without a usable cgroup filesystem. A plan that needs no controller (no limits,
/// and nothing to account) runs without a cgroup; anything else is refused.
public struct CgroupUnavailableDriver: CgroupDriver {
    public let info: CgroupHostInfo

    public init(root: String = "/sys/fs/cgroup") {
        info = CgroupHostInfo(mode: .none, root: root, controllers: [], writable: false,
                              swapAccounting: nil, hostHasSwap: false)
    }

    public func create(runID: String, plan: CgroupPlan) throws(SandboxError) -> any CgroupRun {
        guard plan.controllers.isEmpty, plan.writes.isEmpty else {
            throw SandboxError(.host, "no cgroup filesystem at `\(info.root)`: cannot create the run's cgroup; mount cgroup2 there, or pass --allow-unenforced for each limit")
        }
        return NoCgroupRun()
    }

    public func sweep(minimumAgeSeconds: Double) -> [String] { [] }
}

/// A run without a cgroup (no cgroups, or none the runner may write, and no limit asked
/// for): nothing to attach, read, kill or remove. The PID namespace still ends every
/// process when the sandbox's init exits.
final class NoCgroupRun: CgroupRun {
    var paths: [String] { [] }
    var cloneIntoFD: Int32? { nil }
    func openTasksFiles() throws(SandboxError) -> [Int32] { [] }
    func attach(pid: Int32) throws(SandboxError) {}
    func usage() -> CgroupUsage { CgroupUsage() }
    func killAll() {}
    func remove() throws(SandboxError) {}
}
