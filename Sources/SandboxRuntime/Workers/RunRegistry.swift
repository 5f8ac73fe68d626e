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

    public func write(_ record: RunRecord) throws(SandboxError) {
        do {
            try FileSystem.writeAtomically(try JSONOutput.encode(record, pretty: false), to: path(of: record), mode: 0o600, stage: .state)
        } catch {
            throw error.wrapped("registry")
        }
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
    }

    /// Every record file, alive or not, from its name alone.
    public func entries() -> [Entry] {
        DirectoryListing.names(in: directory).compactMap { name in
            RunRecord.parseFileName(name).map { Entry(name: name, id: $0.id, pid: $0.pid, startTicks: $0.startTicks) }
        }
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
