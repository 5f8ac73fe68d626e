#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// The records of live runs, one file each in `<state>/runs` (see `RunRecord.fileName`).
/// Written atomically (temporary file, then rename) so a reader never sees half a record.
public struct RunRegistry: Sendable {
    public let directory: String
    public let processes: ProcessTable

    public init(state: StateDirectory, processes: ProcessTable = ProcessTable()) {
        directory = state.runs
        self.processes = processes
    }

    /// Writes the record under its phase's name, then removes `previous` (the record
    /// before this phase change), never renaming over a file (see `RunRecord.fileName`).
    public func write(_ record: RunRecord, replacing previous: RunRecord? = nil) throws(SandboxError) {
        do {
            try FileSystem.writeAtomically(Array(record.jsonLine().utf8), to: path(of: record), mode: 0o600, stage: .state)
        } catch {
            throw error.wrapped("registry")
        }
        if let previous, previous.fileName != record.fileName { remove(previous) }
    }

    public func remove(_ record: RunRecord) {
        unlink(path(of: record))
    }

    public func path(of record: RunRecord) -> String { directory + "/" + record.fileName }

    public struct Entry: Equatable, Sendable {
        public var name: String
        public var id: String
        public var pid: Int32
        public var startTicks: UInt64
        public var phase: RunRecord.Phase

        public init?(fileName name: String) {
            guard let parsed = RunRecord.parseFileName(name) else { return nil }
            (self.name, id, pid, startTicks, phase) = (name, parsed.id, parsed.pid, parsed.startTicks, parsed.phase)
        }
    }

    /// Every record file, alive or not, from its name alone.
    public func files() -> [Entry] {
        DirectoryListing.names(in: directory).compactMap(Entry.init(fileName:))
    }

    /// One entry a run: of a run caught between two phases, the later one.
    public func entries() -> [Entry] {
        var latest: [String: Entry] = [:]
        for entry in files() where latest[entry.id].map({ $0.phase < entry.phase }) ?? true {
            latest[entry.id] = entry
        }
        return latest.values.sorted { $0.name < $1.name }
    }

    public func read(_ entry: Entry) -> RunRecord? {
        guard let bytes = try? FileSystem.read(directory + "/" + entry.name, limit: 1 << 20, noFollow: true, stage: .state) else { return nil }
        return JSONInput.decode(RunRecord.self, from: bytes)
    }

    public func isAlive(_ entry: Entry) -> Bool {
        processes.isAlive(pid: entry.pid, startTicks: entry.startTicks)
    }

    /// The records whose supervisor is alive, oldest first.
    public func live() -> [RunRecord] {
        entries().filter(isAlive).compactMap(read).sorted { $0.startedUnixMs < $1.startedUnixMs }
    }

    public enum Lookup {
        case found([RunRecord])
        case none(candidates: [String])
    }

    /// The runs of a worker (by name, branch or worktree path), else the run with this id
    /// or id prefix (at least 4 characters).
    public func find(_ key: String, worktree: String? = nil) -> Lookup {
        let runs = live()
        let byWorker = runs.filter {
            $0.worker == key || $0.worktree == key || $0.branch == key || (worktree != nil && $0.worktree == worktree)
        }
        if !byWorker.isEmpty { return .found(byWorker) }
        let byID = runs.filter { $0.id.hasPrefix(key.lowercased()) }
        if key.count >= 4, !byID.isEmpty { return .found(byID) }
        return .none(candidates: runs.map(\.worker) + runs.map(\.shortID))
    }
}

enum DirectoryListing {
    /// Entry names of a directory, "." and ".." left out; empty when it cannot be read.
    static func names(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
