#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Crash recovery: removes what a dead supervisor left in the state directory. Every
/// `sandbox` command runs `sweep` first (cheap: one directory listing and a /proc read per
/// record, and its cgroup); `sandbox gc` also removes lock files no record explains and
/// asks the cgroup driver to sweep run cgroups no live run holds.
public struct StateSweeper {
    public let state: StateDirectory
    public let registry: RunRegistry

    /// True when no run swept in the last `seconds` (the stamp file's age), and stamps it:
    /// runs then sweep at most that often. Two runs may both sweep; that is harmless.
    public static func maintenanceDue(in state: StateDirectory, every seconds: Int) -> Bool {
        let stamp = state.path + "/swept"
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if let st = FileSystem.lstatInfo(stamp), FileSystem.isRegular(st),
           st.st_mtim.tv_sec <= now.tv_sec, now.tv_sec - st.st_mtim.tv_sec < seconds { return false }
        let fd = open(stamp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 {
            futimens(fd, nil)  // now
            close(fd)
        }
        return true
    }

    public init(state: StateDirectory, processes: ProcessTable = ProcessTable()) {
        self.state = state
        registry = RunRegistry(state: state, processes: processes)
    }

    /// Removes the records (and locks) of runs whose supervisor is gone. Returns one line
    /// per thing removed.
    @discardableResult
    public func sweep() -> [String] {
        var removed: [String] = []
        let names = DirectoryListing.names(in: registry.directory)
        let entries = names.compactMap(RunRegistry.Entry.init(fileName:))
        // Every file of a dead run (a run killed between two phases may have two).
        let dead = entries.filter { !registry.isAlive($0) }.sorted { $0.phase > $1.phase }
        let temporaries = names.contains { $0.contains(".tmp-") }
        guard !dead.isEmpty else { return temporaries ? sweepTemporaries() : [] }
        let liveWorktrees = Set(entries.filter(registry.isAlive).compactMap(registry.read).map(\.worktree))
        for entry in dead {
            let record = registry.read(entry)
            if let worktree = record?.worktree {
                let lock = WorktreeLock.path(for: worktree, in: state)
                let removal = WorktreeLock.removeIfUnheld(lock)
                // Held: either a new run of that worktree (then this record is simply
                // stale), or the dead run's sandbox is still being torn down (try later).
                if removal == .held && !liveWorktrees.contains(worktree) { continue }
                if removal == .removed { removed.append("lock of `\(worktree)`") }
            }
            // Its cgroup: the lock on it died with the supervisor. The sandbox's processes
            // die with its init, but not at once: rmdir refuses a cgroup until the last has
            // exited. Wait a little; if one is still there, keep the record for a later sweep.
            let cgroups = record?.cgroup ?? []
            let gone = Self.removeCgroups(cgroups)
            removed += gone.map { "cgroup `\($0)`" }
            if cgroups.contains(where: { access($0, F_OK) == 0 }) { continue }
            unlink(registry.directory + "/" + entry.name)
            let what = record.map { "run \($0.shortID) (worker \($0.worker))" } ?? "run \(entry.id)"
            let line = "stale record of \(what): supervisor pid \(entry.pid) is gone"
            if !removed.contains(line) { removed.append(line) }
        }
        return removed + (temporaries ? sweepTemporaries() : [])
    }

    /// Also lock files with no live run behind them (a supervisor killed between taking the
    /// lock and writing its record). Not part of every command's sweep: trying a lock can make
    /// a concurrent `run` of that worktree see it busy for an instant.
    public func collect(cgroups: any CgroupDriver = CgroupDriverFactory.make()) -> [String] {
        var removed = sweep()
        removed += cgroups.sweep(minimumAgeSeconds: 10).map { "cgroup `\($0)` (no live run)" }
        removed += LogStore(state: state).pruneWorkers().map { "logs `\($0)` (beyond the \(LogRetention.defaultMaxWorkers) most recent workers)" }
        let live = Set(registry.live().map { WorktreeLock.path(for: $0.worktree, in: state) })
        for name in DirectoryListing.names(in: state.locks) where name.hasSuffix(".lock") {
            let path = state.locks + "/" + name
            guard !live.contains(path) else { continue }
            if WorktreeLock.removeIfUnheld(path) == .removed { removed.append("unused lock file `\(path)`") }
        }
        return removed
    }

    /// Removes the directories, retrying for up to `seconds` while they still hold exiting
    /// processes. Returns those removed.
    static func removeCgroups(_ paths: [String], seconds: Double = 2) -> [String] {
        var removed: [String] = []
        var left = paths.filter { access($0, F_OK) == 0 }
        let deadline = Clock.monotonicNanoseconds() + UInt64(seconds * 1e9)
        while !left.isEmpty {
            for path in left where CgroupFiles.removeIfUnlocked(path) { removed.append(path) }
            left = left.filter { access($0, F_OK) == 0 }
            if left.isEmpty || Clock.monotonicNanoseconds() >= deadline { break }
            usleep(10_000)
        }
        return removed
    }

    /// Half-written records (`NAME.tmp-PID`) whose writer is gone.
    func sweepTemporaries() -> [String] {
        var removed: [String] = []
        for name in DirectoryListing.names(in: registry.directory) {
            let parts = name.split(separator: "-")
            guard name.contains(".tmp-"), let last = parts.last, let pid = Int32(last) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink(registry.directory + "/" + name)
                removed.append("temporary file `\(name)`")
            }
        }
        return removed
    }
}
