#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Per-worker run logs in `<state>/logs/<worker key>/`: one file per run, named by start
/// time and run id, the last `keep` runs kept, each capped at `runCap` bytes. Outside every
/// worktree, so a sandbox can neither read a sibling's log nor rewrite its own, and the logs
/// outlive a deleted worktree. A `worktree` file in each directory names the worktree. At
/// most `maxWorkers` worker directories are kept (the state directory is usually in memory,
/// and worktrees come and go): when a new one is made, the least recently run go first.
public struct LogStore: Sendable {
    public let root: String
    public var keep: Int
    public var runCap: UInt64
    public var maxWorkers: Int

    public init(state: StateDirectory, keep: Int = LogRetention.defaultKeep, runCap: UInt64 = LogRetention.defaultRunCap,
                maxWorkers: Int = LogRetention.defaultMaxWorkers) {
        root = state.logs
        self.keep = keep
        self.runCap = runCap
        self.maxWorkers = maxWorkers
    }

    /// Keyed by the worktree (its base name and a hash of its path), however the run named it.
    public func directory(worktree: String) -> String {
        let base = worktree.split(separator: "/").last.map(String.init) ?? "worker"
        return root + "/" + LogRetention.workerKey(name: base, worktree: worktree)
    }

    /// Creates the run's log file (O_APPEND, mode 0600) and returns its fd and path.
    public func create(worktree: String, startedAt: String, id: String) throws(SandboxError) -> (fd: Int32, path: String) {
        let dir = directory(worktree: worktree)
        if mkdir(dir, 0o700) != 0 {
            guard errno == EEXIST else { throw SystemError.last(.state, "mkdir", path: dir) }
        } else {
            try? FileSystem.writeAtomically(Array((worktree + "\n").utf8), to: dir + "/worktree", mode: 0o600, stage: .state)
            pruneWorkers(keeping: dir)
        }
        let path = dir + "/" + LogRetention.fileName(startedAt: startedAt, id: id)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw SystemError.last(.state, "open log", path: path) }
        return (fd, path)
    }

    /// Deletes the oldest logs of a worker beyond `keep`.
    public func prune(directory: String) {
        for name in LogRetention.toDelete(DirectoryListing.names(in: directory), keep: keep) {
            unlink(directory + "/" + name)
        }
    }

    /// Removes the least recently used worker directories beyond `maxWorkers` (a directory's
    /// modification time moves with each run's new log). Returns what it removed.
    @discardableResult
    public func pruneWorkers(keeping current: String? = nil) -> [String] {
        var dirs: [(path: String, used: Int)] = []
        for name in DirectoryListing.names(in: root) {
            let path = root + "/" + name
            guard path != current, let st = FileSystem.lstatInfo(path), FileSystem.isDirectory(st) else { continue }
            dirs.append((path, st.st_mtim.tv_sec))
        }
        let excess = dirs.count + (current == nil ? 0 : 1) - maxWorkers
        guard excess > 0 else { return [] }
        let victims = dirs.sorted { $0.used < $1.used }.prefix(excess).map(\.path)
        for dir in victims {
            for name in DirectoryListing.names(in: dir) { unlink(dir + "/" + name) }
            rmdir(dir)
        }
        return victims
    }

    /// A worker's logs, oldest first (full paths).
    public func logs(in directory: String) -> [String] {
        DirectoryListing.names(in: directory).filter { $0.hasSuffix(".log") }.sorted().map { directory + "/" + $0 }
    }

    /// Every worker log directory with the worktree it names.
    public func allDirectories() -> [(directory: String, worktree: String?)] {
        DirectoryListing.names(in: root).sorted().map { name in
            let dir = root + "/" + name
            let worktree = (try? FileSystem.readText(dir + "/worktree", limit: 4096, noFollow: true, stage: .state))?
                .split(separator: "\n").first.map(String.init)
            return (dir, worktree)
        }
    }
}
