#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// The host's /proc, for the registry: is a supervisor alive (pid and start time, so a
/// reused pid is not mistaken for it), and what a run's process tree uses.
public struct ProcessTable: Sendable {
    public var procRoot: String

    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    public func stat(_ pid: Int32) -> ProcStat? {
        guard let text = try? FileSystem.readText("\(procRoot)/\(pid)/stat", limit: 4096) else { return nil }
        return ProcStat.parse(text)
    }

    /// This process's start time, for its own record.
    public func ownStartTicks() -> UInt64 {
        // The fields directly: going through `ProcStat?` instantiated its metadata (and that
        // of a Character field) on the start path, ~0.1 ms of every run.
        guard let text = try? FileSystem.readText("\(procRoot)/\(getpid())/stat", limit: 4096) else { return 0 }
        return ProcStatFields(text)?.number(22) ?? 0
    }

    /// The process `pid` exists, is not a zombie, and started at `startTicks`.
    public func isAlive(pid: Int32, startTicks: UInt64) -> Bool {
        guard let st = stat(pid) else { return false }
        return st.isAlive && st.startTicks == startTicks
    }

    public struct TreeUsage: Equatable, Sendable {
        public var residentBytes: UInt64
        public var cpuMs: UInt64
        public var processes: Int
    }

    /// Memory (resident) and CPU time of `root` and all its descendants: one pass over
    /// /proc. CPU time of processes already reaped is not counted (a cgroup counts it).
    public func treeUsage(root: Int32) -> TreeUsage? {
        guard let dir = opendir(procRoot) else { return nil }
        defer { closedir(dir) }
        var all: [Int32: ProcStat] = [:]
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let st = stat(pid) else { continue }
            all[pid] = st
        }
        guard all[root] != nil else { return nil }
        var children: [Int32: [Int32]] = [:]
        for (pid, st) in all { children[st.parentPID, default: []].append(pid) }
        let page = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        let tick = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        var usage = TreeUsage(residentBytes: 0, cpuMs: 0, processes: 0)
        var queue = [root]
        while let pid = queue.popLast() {
            guard let st = all[pid] else { continue }
            usage.residentBytes += st.residentPages * page
            usage.cpuMs += (st.userTicks + st.systemTicks) * 1000 / tick
            usage.processes += 1
            queue += children[pid] ?? []
        }
        return usage
    }
}
