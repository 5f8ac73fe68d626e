#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Finds the git metadata a worktree needs (read-only) for `git status/diff/log` inside.
///
/// A linked worktree's `.git` is a file the worker can rewrite ("gitdir: /root" would show
/// /root inside), so its claim is checked against the repository's own records: the gitdir
/// must point back at this worktree (`<gitdir>/gitdir`), and the common dir must list the
/// gitdir under `worktrees/`. Both records live in the shared git state, which no sandbox
/// can write.
public enum GitMetadata {
    public struct Found: Equatable {
        public var readOnlyPaths: [String] = []
        public var directoryInside = false
        /// The branch checked out (from the gitdir's HEAD), for the registry; nil when
        /// detached or unknown.
        public var branch: String?
    }

    static let fileLimit = 4096

    /// "ref: refs/heads/NAME" in HEAD names the branch.
    static func branch(gitdir: String) -> String? {
        guard let head = try? FileSystem.readText(gitdir + "/HEAD", limit: fileLimit, noFollow: true, stage: .worker),
              let line = head.split(separator: "\n").first, line.hasPrefix("ref: refs/heads/") else { return nil }
        return String(line.dropFirst("ref: refs/heads/".count))
    }

    public static func inspect(worktree: String) throws(SandboxError) -> Found {
        let dotGit = worktree + "/.git"
        guard let st = FileSystem.lstatInfo(dotGit) else { return Found() }
        if FileSystem.isSymlink(st) {
            throw SandboxError(.worker, "worktree `\(worktree)`: `.git` is a symbolic link; refusing (git metadata must be a file or directory of the worktree)")
        }
        if FileSystem.isDirectory(st) { return Found(directoryInside: true) }
        guard FileSystem.isRegular(st) else {
            throw SandboxError(.worker, "worktree `\(worktree)`: `.git` is neither a file nor a directory")
        }
        let text = try FileSystem.readText(dotGit, limit: fileLimit, noFollow: true, stage: .worker)
        guard let line = text.split(separator: "\n").first, line.hasPrefix("gitdir: ") else {
            throw SandboxError(.worker, "`\(dotGit)`: expected \"gitdir: PATH\"")
        }
        var claimed = String(line.dropFirst("gitdir: ".count))
        if !claimed.hasPrefix("/") { claimed = worktree + "/" + claimed }
        let gitdir = try FileSystem.realPath(claimed, stage: .worker)
        try refuseInside(worktree, gitdir, what: "gitdir")

        let backLink = try FileSystem.readText(gitdir + "/gitdir", limit: fileLimit, noFollow: true, stage: .worker)
            .split(separator: "\n").first.map(String.init) ?? ""
        guard (try? FileSystem.realPath(backLink, stage: .worker)) == dotGit else {
            throw SandboxError(.worker, "`\(dotGit)` names gitdir `\(gitdir)`, which does not point back at this worktree; refusing")
        }
        var common = try FileSystem.readText(gitdir + "/commondir", limit: fileLimit, noFollow: true, stage: .worker)
            .split(separator: "\n").first.map(String.init) ?? ""
        if !common.hasPrefix("/") { common = gitdir + "/" + common }
        let commonDir = try FileSystem.realPath(common, stage: .worker)
        try refuseInside(worktree, commonDir, what: "common git directory")
        let listed = commonDir + "/worktrees/" + (gitdir.split(separator: "/").last.map(String.init) ?? "")
        guard (try? FileSystem.realPath(listed, stage: .worker)) == gitdir else {
            throw SandboxError(.worker, "gitdir `\(gitdir)` is not a worktree of `\(commonDir)`; refusing")
        }
        let paths = gitdir.hasPrefix(commonDir + "/") ? [commonDir] : [commonDir, gitdir]
        return Found(readOnlyPaths: paths, branch: branch(gitdir: gitdir))
    }

    /// Metadata inside the worktree is the worker's own writing: a forged layout there passes
    /// every check above, and the bind source is opened again later by path, following links,
    /// so swapping a directory of it for a link in between mounts any host directory
    /// (reproduced: a sibling worktree, from a second sandbox renaming in a loop). A real
    /// linked worktree's gitdir lives in the repository's common dir, never inside itself.
    static func refuseInside(_ worktree: String, _ path: String, what: String) throws(SandboxError) {
        if path == worktree || path.hasPrefix(worktree + "/") {
            throw SandboxError(.worker, "worktree `\(worktree)`: `.git` names a \(what) inside the worktree (`\(path)`); refusing")
        }
    }
}
