#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Turns WORKER (a directory, or the name of a worktree of the git repository around the
/// current directory) into a checked `WorktreeInfo`. The worktree is the attacker's
/// ground: everything read from it is read without following symlinks and validated
/// against the repository's own records.
public enum WorktreeResolver {
    public static func resolve(_ worker: String, currentDirectory: String) throws(SandboxError) -> WorktreeInfo {
        guard !worker.isEmpty, !worker.utf8.contains(0) else {
            throw SandboxError(.worker, "empty worker name")
        }
        let asPath = worker.hasPrefix("/") ? worker : currentDirectory + "/" + worker
        if let st = FileSystem.lstatInfo(asPath), FileSystem.isDirectory(st) || FileSystem.isSymlink(st) {
            return try inspect(path: asPath, name: nil)
        }
        if worker.contains("/") {
            throw SandboxError(.worker, "worker `\(worker)`: no such directory")
        }
        let worktrees = try GitWorktrees.list(in: try repositoryDirectory(around: currentDirectory))
        if let match = worktrees.first(where: { lastComponent($0.path) == worker })
            ?? worktrees.first(where: { $0.branch == worker }) {
            return try inspect(path: match.path, name: worker)
        }
        let known = worktrees.map { lastComponent($0.path) }.joined(separator: ", ")
        throw SandboxError(.worker, worktrees.isEmpty
            ? "unknown worker `\(worker)`: not a directory, and \(currentDirectory) is not inside a git repository with worktrees"
            : "unknown worker `\(worker)`; known worktrees: \(known)")
    }

    /// Where to ask git for the worktree list. The caller's directory may be inside a
    /// worktree, whose `.git` file the worker wrote: git follows it, and a forged gitdir can
    /// list any host directory under a branch name (reproduced: "api" -> a directory outside
    /// every worktree, mounted read-write by the next `sandbox run api`). So only a `.git`
    /// directory, or a `.git` file that GitMetadata confirms against the repository's own
    /// records, is followed; git is then asked in the common dir's worktree (or the bare
    /// common dir), whose state no sandbox can write.
    static func repositoryDirectory(around directory: String) throws(SandboxError) -> String {
        var dir = try FileSystem.realPath(directory)
        while true {
            if let st = FileSystem.lstatInfo(dir + "/.git") {
                if FileSystem.isDirectory(st) { return dir }
                let found: GitMetadata.Found
                do { found = try GitMetadata.inspect(worktree: dir) } catch {
                    throw error.wrapped("looking up worker names from `\(directory)`")
                }
                guard let common = found.readOnlyPaths.first else { return dir }
                return common.hasSuffix("/.git") ? String(common.dropLast("/.git".count)) : common
            }
            guard dir != "/", let slash = dir.lastIndex(of: "/") else { return directory }
            dir = slash == dir.startIndex ? "/" : String(dir[..<slash])
        }
    }

    static func inspect(path: String, name: String?) throws(SandboxError) -> WorktreeInfo {
        let real = try FileSystem.realPath(path)
        guard real != "/" else { throw SandboxError(.worker, "refusing `/` as a worktree") }
        guard let st = FileSystem.lstatInfo(real), FileSystem.isDirectory(st) else {
            throw SandboxError(.worker, "worker `\(real)` is not a directory")
        }
        let git = try GitMetadata.inspect(worktree: real)
        return WorktreeInfo(
            name: name ?? lastComponent(real), path: real, ownerUID: st.st_uid, ownerGID: st.st_gid,
            ownerName: userName(st.st_uid), gitMetadata: git.readOnlyPaths, gitDirectoryInside: git.directoryInside)
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "sandbox" }
        return String(cString: name)
    }
}
