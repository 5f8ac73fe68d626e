/// A cgroup controller the runner uses. Raw values are the kernel's names: what v2 lists in
/// `cgroup.controllers` and what a v1 hierarchy is mounted as under the cgroup root.
public enum CgroupController: String, Codable, CaseIterable, Comparable, Sendable {
    // Both versions.
    case memory, pids, cpu
    /// v2 name of the block I/O controller.
    case io
    /// v1 only: CPU usage accounting (v2 reports it in `cpu.stat`).
    case cpuacct
    /// v1 only: lets `killAll` stop every task before signalling (v2 has `cgroup.kill`).
    case freezer
    /// v1 name of the block I/O controller.
    case blkio

    /// The controllers a v2 hierarchy can enable in `cgroup.subtree_control`.
    public static let v2: [CgroupController] = [.memory, .pids, .cpu, .io]
    /// The v1 hierarchies the runner may create a run directory in.
    public static let v1: [CgroupController] = [.memory, .pids, .cpu, .cpuacct, .freezer, .blkio]

    public static func < (a: CgroupController, b: CgroupController) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
