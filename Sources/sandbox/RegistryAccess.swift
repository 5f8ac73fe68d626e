#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import SandboxRuntime

/// What `ps`, `status`, `kill`, `logs` and `gc` share: the state directory and how a
/// WORKER|ID argument names runs.
enum RegistryAccess {
    static func state() throws(SandboxError) -> StateDirectory {
        try StateDirectory.openDefault()
    }

    /// The real path WORKER names, if it names an existing directory or worktree (quietly:
    /// the worktree may be gone while its log remains).
    static func worktreePath(_ key: String) -> String? {
        if key.contains("/") || key == "." || key == ".." { return try? FileSystem.realPath(key) }
        guard let cwd = getcwd(nil, 0) else { return nil }
        defer { free(cwd) }
        return (try? WorktreeResolver.resolve(key, currentDirectory: String(cString: cwd),
                                              options: .init(allowMain: true)))?.path
    }

    /// The live runs WORKER|ID names; an error naming the candidates when none.
    static func runs(_ key: String, registry: RunRegistry) throws(SandboxError) -> [RunRecord] {
        var lookup = registry.find(key)
        if case .none = lookup, let path = worktreePath(key) { lookup = registry.find(key, worktree: path) }
        switch lookup {
        case .found(let runs): return runs
        case .none(let candidates):
            throw SandboxError(.worker, "no live run of `\(key)`\(DidYouMean.clause(for: key, among: candidates))")
        }
    }

    /// MEM and CPU of a run: its cgroup's counters when it has one, else the init's
    /// process tree in /proc.
    static func usage(of record: RunRecord, processes: ProcessTable = ProcessTable()) -> (memory: UInt64?, cpuMs: UInt64?) {
        if let cgroup = record.cgroup, !cgroup.isEmpty {
            let counted = CgroupUsageReader.read(cgroup)
            if counted.memoryBytes != nil || counted.cpuMs != nil { return (counted.memoryBytes, counted.cpuMs) }
        }
        guard let pid = record.initPID, let tree = processes.treeUsage(root: pid) else { return (nil, nil) }
        return (tree.residentBytes, tree.cpuMs)
    }

    /// Milliseconds since the run last wrote output (its log's modification time).
    static func sinceLastOutput(_ record: RunRecord) -> UInt64? {
        guard let log = record.log, let st = FileSystem.lstatInfo(log), st.st_size > 0 else { return nil }
        let modified = UInt64(st.st_mtim.tv_sec) * 1000 + UInt64(st.st_mtim.tv_nsec / 1_000_000)
        let now = Clock.unixMilliseconds()
        return now > modified ? now - modified : 0
    }

    static func elapsed(_ record: RunRecord) -> UInt64 {
        let now = Clock.unixMilliseconds()
        return now > record.startedUnixMs ? now - record.startedUnixMs : 0
    }
}

/// One run as `ps --json` and `status --json` show it: the record and live measurements.
struct RunStatus: Encodable {
    var run: RunRecord
    var elapsedMs: UInt64
    var memoryBytes: UInt64?
    var cpuMs: UInt64?
    var sinceLastOutputMs: UInt64?

    init(_ record: RunRecord) {
        run = record
        elapsedMs = RegistryAccess.elapsed(record)
        (memoryBytes, cpuMs) = RegistryAccess.usage(of: record)
        sinceLastOutputMs = RegistryAccess.sinceLastOutput(record)
    }

    enum CodingKeys: String, CodingKey {
        case run
        case elapsedMs = "elapsed_ms"
        case memoryBytes = "memory_bytes"
        case cpuMs = "cpu_ms"
        case sinceLastOutputMs = "since_last_output_ms"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run, forKey: .run)
        try c.encode(elapsedMs, forKey: .elapsedMs)
        try c.encode(memoryBytes, forKey: .memoryBytes)
        try c.encode(cpuMs, forKey: .cpuMs)
        try c.encode(sinceLastOutputMs, forKey: .sinceLastOutputMs)
    }
}
