#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Pure cgroup v2: one directory per run, `<root>/<subtree>/<run-id>`. The subtree holds no
/// process itself (the no-internal-processes rule: only leaves hold tasks once controllers are
/// enabled below them), so controllers are enabled in `<root>` and `<root>/<subtree>`.
public struct CgroupV2Driver: CgroupDriver {
    public let root: String
    public let subtree: String
    public let info: CgroupHostInfo
    /// How long `remove` waits for killed tasks to leave.
    let drainSeconds: Double

    public init(root: String = "/sys/fs/cgroup", subtree: String = "sandbox", procSwaps: String = "/proc/swaps",
                drainSeconds: Double = 2) {
        self.root = root
        self.subtree = subtree
        self.drainSeconds = drainSeconds
        let available = CgroupStatParser.controllers(CgroupFiles.read(root + "/cgroup.controllers") ?? "")
        // memory.swap.max exists only below the root; the subtree shows it once memory is
        // enabled there. Unknown until then: the write at create time fails closed.
        let swapFile = "\(root)/\(subtree)/memory.swap.max"
        let swap: Bool? = CgroupFiles.exists(swapFile) ? true
            : (CgroupFiles.exists("\(root)/\(subtree)/memory.max") ? false : nil)
        self.info = CgroupHostInfo(
            mode: .unified, root: root,
            controllers: CgroupController.v2.filter { available.contains($0.rawValue) },
            writable: CgroupFiles.isWritable(root + "/cgroup.subtree_control"),
            swapAccounting: swap,
            hostHasSwap: CgroupStatParser.hasActiveSwap(CgroupFiles.read(procSwaps) ?? ""))
    }

    var subtreePath: String { "\(root)/\(subtree)" }

    public func create(runID: String, plan: CgroupPlan) throws(SandboxError) -> any CgroupRun {
        try CgroupFiles.validateRunID(runID)
        // Nothing to limit or account (the host's cgroups are not ours to write): no cgroup.
        // The PID namespace still ends every process of the run.
        if plan.controllers.isEmpty && plan.writes.isEmpty { return NoCgroupRun() }
        let wanted = plan.controllers.filter { CgroupController.v2.contains($0) }
        let available = CgroupStatParser.controllers(CgroupFiles.read(root + "/cgroup.controllers") ?? "")
        // The plan was made from `info`; the host may have changed since. Still fail closed.
        for controller in wanted where !available.contains(controller.rawValue) {
            throw SandboxError(.host, "cgroup controller `\(controller.rawValue)` is not available in `\(root)/cgroup.controllers`; enable it in the parent cgroup's cgroup.subtree_control, or pass --allow-unenforced for the limits that need it")
        }
        do throws(SandboxError) {
            try enable(wanted, in: root)
            try CgroupFiles.makeDirectory(subtreePath, allowExisting: true)
            try enable(wanted, in: subtreePath)
        } catch {
            throw error.wrapped("cgroup v2: preparing `\(subtreePath)`")
        }
        let path = "\(subtreePath)/\(runID)"
        do throws(SandboxError) {
            // A leftover directory with this id is someone else's run: never reuse it.
            try CgroupFiles.makeDirectory(path, allowExisting: false)
        } catch {
            throw error.wrapped("cgroup v2: creating the run's cgroup")
        }
        do throws(SandboxError) {
            for write in plan.writes {
                try CgroupFiles.write(write.value, to: "\(path)/\(write.file)")
            }
            return try CgroupV2Run(path: path, drainSeconds: drainSeconds)
        } catch {
            try? CgroupFiles.removeDirectory(path, timeoutSeconds: 0)
            throw error.wrapped("cgroup v2: setting limits")
        }
    }

    /// Adds the missing controllers to `directory`'s cgroup.subtree_control. Only adds: what
    /// the host enabled stays enabled, and nothing is written when all are there already.
    private func enable(_ controllers: [CgroupController], in directory: String) throws(SandboxError) {
        let file = directory + "/cgroup.subtree_control"
        let enabled = CgroupStatParser.controllers(CgroupFiles.read(file) ?? "")
        let missing = controllers.filter { !enabled.contains($0.rawValue) }
        guard !missing.isEmpty else { return }
        do throws(SandboxError) {
            try CgroupFiles.write(missing.map { "+" + $0.rawValue }.joined(separator: " "), to: file)
        } catch {
            // EBUSY: the directory holds processes itself (no-internal-processes rule).
            throw error.wrapped("enabling \(missing.map(\.rawValue).joined(separator: ", "))")
        }
    }

    public func sweep(minimumAgeSeconds: Double) -> [String] {
        var removed: [String] = []
        for name in CgroupFiles.subdirectories(subtreePath) {
            let path = "\(subtreePath)/\(name)"
            guard let age = CgroupFiles.ageSeconds(path), age >= minimumAgeSeconds else { continue }
            if CgroupFiles.removeIfUnlocked(path) { removed.append(path) }
        }
        return removed
    }
}
