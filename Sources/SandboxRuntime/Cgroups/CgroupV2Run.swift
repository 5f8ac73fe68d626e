#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import Synchronization

/// One run's cgroup v2 directory.
public final class CgroupV2Run: CgroupRun {
    public let path: String
    private let drainSeconds: Double
    private let fd = Mutex<Int32>(-1)
    private let pidsPeak: CgroupPidsPeak

    init(path: String, drainSeconds: Double) throws(SandboxError) {
        self.path = path
        self.drainSeconds = drainSeconds
        self.pidsPeak = CgroupPidsPeak(directory: path)
        // One fd serves clone3 and holds the run's lock against sweeps.
        let opened = try CgroupFiles.lock(path)
        fd.withLock { $0 = opened }
    }

    deinit {
        fd.withLock { if $0 >= 0 { close($0) } }
    }

    public var paths: [String] { [path] }

    public var cloneIntoFD: Int32? {
        let value = fd.withLock { $0 }
        return value >= 0 ? value : nil
    }

    /// clone3 places the child: nothing for it to join.
    public func openTasksFiles() throws(SandboxError) -> [Int32] { [] }

    public func attach(pid: Int32) throws(SandboxError) {
        do throws(SandboxError) {
            try CgroupFiles.write(String(pid), to: path + "/cgroup.procs")
        } catch {
            throw error.wrapped("cgroup v2: moving pid \(pid) into the run's cgroup")
        }
    }

    public func usage() -> CgroupUsage {
        let cpu = CgroupStatParser.keyed(CgroupFiles.read(path + "/cpu.stat") ?? "")
        let events = CgroupStatParser.keyed(CgroupFiles.read(path + "/memory.events") ?? "")
        let pids = pidsPeak.read()
        return CgroupUsage(
            memoryPeakBytes: CgroupStatParser.number(CgroupFiles.read(path + "/memory.peak") ?? ""),
            cpuUsageMs: cpu["usage_usec"].map { $0 / 1000 },
            pidsPeak: pids?.0,
            pidsPeakIsLowerBound: pids?.1 ?? false,
            // memory.events counts the subtree (memory.events.local only this level); the run's
            // cgroup is its own subtree.
            oomKills: events["oom_kill"],
            cpuThrottledMs: cpu["throttled_usec"].map { $0 / 1000 })
    }

    public func killAll() {
        // cgroup.kill (Linux 5.14+) kills every task, including ones forking right now, in one
        // write; older kernels get the read-and-kill loop.
        if (try? CgroupFiles.write("1", to: path + "/cgroup.kill")) == nil {
            CgroupKiller.killListed(procsFiles: [path + "/cgroup.procs"])
        }
    }

    public func remove() throws(SandboxError) {
        // Locked until gone: no sweep can race the drain.
        defer {
            fd.withLock {
                if $0 >= 0 { close($0) }
                $0 = -1
            }
        }
        try CgroupFiles.removeDirectory(path, timeoutSeconds: drainSeconds)
    }
}
