#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import Synchronization

/// One run's cgroup v1 directories, one per hierarchy (co-mounted controllers share one).
public final class CgroupV1Run: CgroupRun {
    /// Controller -> the run's directory in that controller's hierarchy.
    public let directories: [CgroupController: String]
    private let drainSeconds: Double
    private let freezeSeconds: Double
    private let pidsPeak: CgroupPidsPeak?
    /// One flock'ed fd per directory, held until removed (see CgroupFiles.lock).
    private let locks: Mutex<[Int32]>

    init(directories: [CgroupController: String], locks: [Int32], drainSeconds: Double, freezeSeconds: Double) {
        self.directories = directories
        self.locks = Mutex(locks)
        self.drainSeconds = drainSeconds
        self.freezeSeconds = freezeSeconds
        self.pidsPeak = directories[.pids].map { CgroupPidsPeak(directory: $0) }
    }

    /// The distinct directories, in controller order.
    public var paths: [String] {
        var result: [String] = []
        for controller in CgroupController.v1 {
            if let path = directories[controller], !result.contains(path) { result.append(path) }
        }
        return result
    }

    /// v1 has no CLONE_INTO_CGROUP: the child joins through `openTasksFiles`.
    public var cloneIntoFD: Int32? { nil }

    public func openTasksFiles() throws(SandboxError) -> [Int32] {
        var fds: [Int32] = []
        for path in paths {
            let file = path + "/tasks"
            var fd: Int32
            repeat { fd = open(file, O_WRONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
            guard fd >= 0 else {
                let code = errno
                fds.forEach { close($0) }
                throw CgroupFiles.error(.setup, "open", file, code)
            }
            fds.append(fd)
        }
        return fds
    }

    public func attach(pid: Int32) throws(SandboxError) {
        for path in paths {
            do throws(SandboxError) {
                try CgroupFiles.write(String(pid), to: path + "/cgroup.procs")
            } catch {
                throw error.wrapped("cgroup v1: moving pid \(pid) into the run's cgroup")
            }
        }
    }

    public func usage() -> CgroupUsage {
        func file(_ controller: CgroupController, _ name: String) -> String? {
            directories[controller].flatMap { CgroupFiles.read($0 + "/" + name) }
        }
        let oom = CgroupStatParser.keyed(file(.memory, "memory.oom_control") ?? "")
        let cpu = CgroupStatParser.keyed(file(.cpu, "cpu.stat") ?? "")
        let pids = pidsPeak?.read()
        return CgroupUsage(
            memoryPeakBytes: file(.memory, "memory.max_usage_in_bytes").flatMap { CgroupStatParser.number($0) },
            // Nanoseconds in v1.
            cpuUsageMs: file(.cpuacct, "cpuacct.usage").flatMap { CgroupStatParser.number($0) }.map { $0 / 1_000_000 },
            pidsPeak: pids?.0,
            pidsPeakIsLowerBound: pids?.1 ?? false,
            // Not memory.failcnt: that counts every time usage touched the limit and reclaim
            // followed, which happens without any kill (GUIDE, measured).
            oomKills: oom["oom_kill"],
            cpuThrottledMs: cpu["throttled_time"].map { $0 / 1_000_000 })
    }

    /// Freeze, kill every listed task, thaw: frozen tasks cannot fork or exit, so the list read
    /// while frozen is complete and no pid is reused under us (as runc's v1 signalAllProcesses).
    /// Without a freezer hierarchy, fall back to the read-and-kill loop.
    public func killAll() {
        let procs = paths.map { $0 + "/cgroup.procs" }
        // The usual end: the init took its PID namespace with it. Skip the freeze round trip.
        if procs.allSatisfy({ CgroupFiles.read($0)?.isEmpty == true }) { return }
        if let freezer = directories[.freezer], (try? CgroupFiles.write("FROZEN", to: freezer + "/freezer.state")) != nil {
            if waitFrozen(freezer) { CgroupKiller.killListed(procsFiles: procs, rounds: 1) }
            // Thaw in every case: a frozen task does not act on SIGKILL until it runs again.
            try? CgroupFiles.write("THAWED", to: freezer + "/freezer.state")
        }
        CgroupKiller.killListed(procsFiles: procs)
    }

    private func waitFrozen(_ directory: String) -> Bool {
        let state = directory + "/freezer.state"
        let deadline = CgroupFiles.monotonicSeconds() + freezeSeconds
        // FREEZING until every task has stopped.
        while CgroupFiles.monotonicSeconds() < deadline {
            if CgroupStatParser.word(CgroupFiles.read(state) ?? "") == "FROZEN" { return true }
            usleep(1000)
        }
        return false
    }

    deinit {
        locks.withLock { $0.forEach { close($0) } }
    }

    public func remove() throws(SandboxError) {
        defer {
            locks.withLock {
                $0.forEach { close($0) }
                $0 = []
            }
        }
        var first: SandboxError?
        for path in paths.reversed() {
            do throws(SandboxError) {
                try CgroupFiles.removeDirectory(path, timeoutSeconds: drainSeconds)
            } catch {
                first = first ?? error
            }
        }
        if let first { throw first }
    }
}
