#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Turns WORKER into a checked `WorktreeInfo`. WORKER is, in order: a path; a worktree of
/// the git repository around the current directory, by directory base name, then by branch
/// name; a directory in the workers folder (`--workers-dir`, `SANDBOX_WORKERS_DIR`). A name
/// matching several worktrees, or none, is an error listing the candidates.
///
/// The worktree is the attacker's ground: everything read from it is read without
/// following symlinks and validated against the repository's own records. Refused: `/`,
/// the invoking user's home, the repository's main worktree (unless `allowMain`), the
/// runner's state directory (or a worktree holding it), and a directory the invoking user
/// neither owns nor may write.
public enum WorktreeResolver {
    public struct Options: Sendable {
        public var workersDirectory: String?
        public var allowMain: Bool
        /// The runner's state directory: no worktree may be inside it, or hold it.
        public var stateDirectory: String?
        /// The invoking user (real ids): the worktree must be theirs or writable by them.
        public var uid: uid_t
        /// Their home: $HOME; the password database's entry is checked too when the
        /// worktree belongs to them (a home belongs to its user).
        public var home: [String]

        public init(workersDirectory: String? = nil, allowMain: Bool = false, stateDirectory: String? = nil,
                    uid: uid_t = getuid(), home: [String] = WorktreeResolver.homeDirectories()) {
            self.workersDirectory = workersDirectory
            self.allowMain = allowMain
            self.stateDirectory = stateDirectory
            self.uid = uid
            self.home = home
        }
    }

    public static func resolve(_ worker: String, currentDirectory: String, options: Options = Options()) throws(SandboxError) -> WorktreeInfo {
        guard !worker.isEmpty, !worker.utf8.contains(0) else {
            throw SandboxError(.worker, "empty worker name")
        }
        let asPath = worker.hasPrefix("/") ? worker : currentDirectory + "/" + worker
        if let st = FileSystem.lstatInfo(asPath), FileSystem.isDirectory(st) || FileSystem.isSymlink(st) {
            return try inspect(path: asPath, name: nil, branch: nil, options: options)
        }
        if worker.contains("/") {
            throw SandboxError(.worker, "worker `\(worker)`: no such directory")
        }
        let repository = try repositoryDirectory(around: currentDirectory)
        let worktrees = try GitWorktrees.list(in: repository.directory)
        let byName = worktrees.filter { lastComponent($0.path) == worker }
        if byName.count > 1 {
            throw SandboxError(.worker, "worker `\(worker)` is ambiguous: it names the worktrees \(byName.map { "`\($0.path)`" }.joined(separator: ", ")); give a path")
        }
        if let match = byName.first ?? worktrees.first(where: { $0.branch == worker }) {
            try confirmListed(match.path, worker: worker, repository: repository)
            return try inspect(path: match.path, name: worker, branch: match.branch, options: options)
        }
        var fromFolder: [String] = []
        if let folder = options.workersDirectory, !folder.isEmpty {
            let candidate = folder + "/" + worker
            if let st = FileSystem.lstatInfo(candidate), FileSystem.isDirectory(st) {
                return try inspect(path: candidate, name: worker, branch: nil, options: options)
            }
            fromFolder = DirectoryListing.names(in: folder).filter { !$0.hasPrefix(".") }.sorted()
        }
        throw unknown(worker, currentDirectory: currentDirectory, worktrees: worktrees, folder: fromFolder)
    }

    static func unknown(_ worker: String, currentDirectory: String, worktrees: [GitWorktrees.Entry], folder: [String]) -> SandboxError {
        let names = worktrees.map { lastComponent($0.path) }
        let candidates = names + worktrees.compactMap(\.branch) + folder
        let suggestion = DidYouMean.clause(for: worker, among: candidates)
        if worktrees.isEmpty && folder.isEmpty {
            return SandboxError(.worker, "unknown worker `\(worker)`: not a directory, and \(currentDirectory) is not inside a git repository with worktrees (and no workers folder: --workers-dir or SANDBOX_WORKERS_DIR)")
        }
        var known: [String] = []
        if !names.isEmpty { known.append("known worktrees: \(names.joined(separator: ", "))") }
        if !folder.isEmpty { known.append("in the workers folder: \(folder.joined(separator: ", "))") }
        return SandboxError(.worker, "unknown worker `\(worker)`\(suggestion); \(known.joined(separator: "; "))")
    }

    /// Where to ask git for the worktree list. The caller's directory may be inside a
    /// worktree, whose `.git` file the worker wrote: git follows it, and a forged gitdir can
    /// list any host directory under a branch name (reproduced: "api" -> a directory outside
    /// every worktree, mounted read-write by the next `sandbox run api`). So only a `.git`
    /// directory, or a `.git` file that GitMetadata confirms against the repository's own
    /// records, is followed; git is then asked in the common dir's worktree (or the bare
    /// common dir), whose state no sandbox can write.
    /// The `.git` directory found on the way up may be the worker's writing too (a worktree
    /// whose `.git` file it replaced with a repository of its own): `confirmListed` then
    /// checks each listed match against the common dir returned here.
    static func repositoryDirectory(around directory: String) throws(SandboxError) -> (directory: String, commonDir: String?) {
        var dir = try FileSystem.realPath(directory)
        while true {
            if let st = FileSystem.lstatInfo(dir + "/.git") {
                if FileSystem.isDirectory(st) { return (dir, try? FileSystem.realPath(dir + "/.git")) }
                let found: GitMetadata.Found
                do { found = try GitMetadata.inspect(worktree: dir) } catch {
                    throw error.wrapped("looking up worker names from `\(directory)`")
                }
                guard let common = found.readOnlyPaths.first else {
                    throw SandboxError(.worker, "looking up worker names from `\(directory)`: `\(dir)/.git` names no common git directory; refusing")
                }
                return (common.hasSuffix("/.git") ? String(common.dropLast("/.git".count)) : common, common)
            }
            guard dir != "/", let slash = dir.lastIndex(of: "/") else { return (directory, nil) }
            dir = slash == dir.startIndex ? "/" : String(dir[..<slash])
        }
    }

    /// A name taken from `git worktree list` counts only for a worktree of the repository
    /// that was asked: the repository's own directory, or a worktree whose checked metadata
    /// (GitMetadata) points back to the same common dir. A listing forged inside a worker's
    /// worktree can name any host directory; that directory's metadata does not lead back.
    static func confirmListed(_ path: String, worker: String, repository: (directory: String, commonDir: String?)) throws(SandboxError) {
        let real = (try? FileSystem.realPath(path)) ?? path
        if real == repository.directory { return }
        let common = try GitMetadata.inspect(worktree: real).readOnlyPaths.first
        guard let asked = repository.commonDir, common == asked else {
            throw SandboxError(.worker, "worker `\(worker)`: `\(real)` is listed by the repository at `\(repository.directory)`, but its git metadata does not lead back to it; refusing (a forged worktree list?)")
        }
    }

    static func inspect(path: String, name: String?, branch: String?, options: Options) throws(SandboxError) -> WorktreeInfo {
        let real = try FileSystem.realPath(path)
        guard real != "/" else { throw SandboxError(.worker, "refusing `/` as a worktree") }
        guard let st = FileSystem.lstatInfo(real), FileSystem.isDirectory(st) else {
            throw SandboxError(.worker, "worker `\(real)` is not a directory")
        }
        try refuseSpecial(real, options: options)
        guard st.st_uid == options.uid || access(real, W_OK) == 0 else {
            throw SandboxError(.worker, "worker `\(real)` belongs to uid \(st.st_uid) and uid \(options.uid) may not write it; refusing")
        }
        let owner = getpwuid(st.st_uid)
        if st.st_uid == options.uid, let dir = owner?.pointee.pw_dir, real == ((try? FileSystem.realPath(String(cString: dir))) ?? "") {
            throw SandboxError(.worker, "refusing the home directory `\(real)` as a worktree")
        }
        let git = try GitMetadata.inspect(worktree: real)
        if git.directoryInside && !options.allowMain {
            throw SandboxError(.worker, "worker `\(real)` is a repository's main worktree (its `.git` is a directory); refusing: run in a linked worktree (git worktree add), or pass --allow-main")
        }
        var info = WorktreeInfo(
            name: name ?? lastComponent(real), path: real, ownerUID: st.st_uid, ownerGID: st.st_gid,
            ownerName: owner?.pointee.pw_name.map { String(cString: $0) } ?? "sandbox", gitMetadata: git.readOnlyPaths, gitDirectoryInside: git.directoryInside)
        info.branch = branch ?? git.branch
        return info
    }

    static func refuseSpecial(_ real: String, options: Options) throws(SandboxError) {
        for home in options.home where !home.isEmpty {
            if real == ((try? FileSystem.realPath(home)) ?? home) {
                throw SandboxError(.worker, "refusing the home directory `\(real)` as a worktree")
            }
        }
        if let state = options.stateDirectory {
            let stateReal = (try? FileSystem.realPath(state, stage: .state)) ?? state
            if real == stateReal || real.hasPrefix(stateReal + "/") {
                throw SandboxError(.worker, "worker `\(real)` is inside the runner's state directory `\(stateReal)`; refusing")
            }
            if stateReal.hasPrefix(real + "/") {
                throw SandboxError(.worker, "worker `\(real)` holds the runner's state directory `\(stateReal)`; refusing (the sandbox could rewrite it)")
            }
        }
    }

    /// The invoking user's home: from the password database and from $HOME.
    public static func homeDirectories() -> [String] {
        var result: [String] = []
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir { result.append(String(cString: dir)) }
        if let env = getenv("HOME") { result.append(String(cString: env)) }
        return result
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
