#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// cgroup v1 (legacy, and the v1 half of a hybrid host): every controller is its own
/// hierarchy mounted at `<root>/<controller>`, so a run gets `<root>/<controller>/<subtree>/<run-id>`
/// in each hierarchy it uses. Co-mounted controllers (`cpu,cpuacct` with `cpu` and `cpuacct`
/// symlinks) share one directory, found by resolving the mount path.
public struct CgroupV1Driver: CgroupDriver {
    public let root: String
    public let subtree: String
    public let info: CgroupHostInfo
    let drainSeconds: Double
    /// How long `killAll` waits for the freezer to report FROZEN.
    let freezeSeconds: Double

    public init(root: String = "/sys/fs/cgroup", subtree: String = "sandbox", procSwaps: String = "/proc/swaps",
                hybrid: Bool = false, drainSeconds: Double = 2, freezeSeconds: Double = 1) {
        self.root = root
        self.subtree = subtree
        self.drainSeconds = drainSeconds
        self.freezeSeconds = freezeSeconds
        // A mounted hierarchy has cgroup.procs at its top; an empty mount point does not.
        let controllers = CgroupController.v1.filter { CgroupFiles.exists("\(root)/\($0.rawValue)/cgroup.procs") }
        let writable = !controllers.isEmpty && controllers.allSatisfy { CgroupFiles.isWritable("\(root)/\($0.rawValue)") }
        self.info = CgroupHostInfo(
            mode: hybrid ? .hybrid : .legacy, root: root, controllers: controllers, writable: writable,
            // v1 shows memsw files at the hierarchy's top when swap accounting is on.
            swapAccounting: controllers.contains(.memory)
                ? CgroupFiles.exists("\(root)/memory/memory.memsw.limit_in_bytes") : nil,
            hostHasSwap: CgroupStatParser.hasActiveSwap(CgroupFiles.read(procSwaps) ?? ""))
    }

    /// `<root>/<controller>` resolved, so co-mounted controllers give the same path.
    private func hierarchy(_ controller: CgroupController) -> String? {
        let mount = "\(root)/\(controller.rawValue)"
        guard CgroupFiles.exists(mount + "/cgroup.procs") else { return nil }
        return CgroupFiles.realPath(mount)
    }

    public func create(runID: String, plan: CgroupPlan) throws(SandboxError) -> any CgroupRun {
        try CgroupFiles.validateRunID(runID)
        // Nothing to limit or account (the host's cgroups are not ours to write): no cgroup.
        // The PID namespace still ends every process of the run.
        if plan.controllers.isEmpty && plan.writes.isEmpty { return NoCgroupRun() }
        var directories: [CgroupController: String] = [:]
        var created: [String] = []
        var locks: [Int32] = []
        // On any failure: nothing of the run is left behind.
        func undo() {
            locks.forEach { close($0) }
            removeAll(created)
        }
        for controller in plan.controllers where CgroupController.v1.contains(controller) {
            guard let mount = hierarchy(controller) else {
                undo()
                throw SandboxError(.host, "cgroup controller `\(controller.rawValue)` has no v1 hierarchy at `\(root)/\(controller.rawValue)`; mount it, or pass --allow-unenforced for the limits that need it")
            }
            let path = "\(mount)/\(subtree)/\(runID)"
            if directories.values.contains(path) {
                directories[controller] = path
                continue
            }
            do throws(SandboxError) {
                try CgroupFiles.makeDirectory("\(mount)/\(subtree)", allowExisting: true)
                // A leftover directory with this id is someone else's run: never reuse it.
                try CgroupFiles.makeDirectory(path, allowExisting: false)
                created.append(path)
                locks.append(try CgroupFiles.lock(path))
            } catch {
                undo()
                throw error.wrapped("cgroup v1: creating the run's `\(controller.rawValue)` cgroup")
            }
            directories[controller] = path
        }
        for write in plan.writes {
            guard let directory = directories[write.controller] else {
                undo()
                throw SandboxError(.setup, "cgroup v1: write to `\(write.file)` needs controller `\(write.controller.rawValue)`, which the plan does not create")
            }
            do throws(SandboxError) {
                try CgroupFiles.write(write.value, to: "\(directory)/\(write.file)")
            } catch {
                undo()
                throw error.wrapped("cgroup v1: setting limits")
            }
        }
        return CgroupV1Run(directories: directories, locks: locks, drainSeconds: drainSeconds, freezeSeconds: freezeSeconds)
    }

    private func removeAll(_ paths: [String]) {
        for path in paths.reversed() { try? CgroupFiles.removeDirectory(path, timeoutSeconds: 0) }
    }

    public func sweep(minimumAgeSeconds: Double) -> [String] {
        var removed: [String] = []
        var seen: Set<String> = []
        for controller in CgroupController.v1 {
            guard let mount = hierarchy(controller), seen.insert(mount).inserted else { continue }
            let parent = "\(mount)/\(subtree)"
            for name in CgroupFiles.subdirectories(parent) {
                let path = "\(parent)/\(name)"
                guard let age = CgroupFiles.ageSeconds(path), age >= minimumAgeSeconds else { continue }
                if CgroupFiles.removeIfUnlocked(path) { removed.append(path) }
            }
        }
        return removed
    }
}
