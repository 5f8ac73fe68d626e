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
        let worktrees = try GitWorktrees.list(in: currentDirectory)
        if let match = worktrees.first(where: { lastComponent($0.path) == worker })
            ?? worktrees.first(where: { $0.branch == worker }) {
            return try inspect(path: match.path, name: worker)
        }
        let known = worktrees.map { lastComponent($0.path) }.joined(separator: ", ")
        throw SandboxError(.worker, worktrees.isEmpty
            ? "unknown worker `\(worker)`: not a directory, and \(currentDirectory) is not inside a git repository with worktrees"
            : "unknown worker `\(worker)`; known worktrees: \(known)")
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
