#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Files the runner writes for the caller (`--report`, `--events`) may be named inside the
/// worktree, the worker's own ground: there, a symbolic link (of the file, or of a directory
/// on the way) would make the runner, perhaps root, write wherever it points. Such a path
/// must stay inside the worktree once resolved. Checked while the run holds the worktree's
/// lock, before the run and (for `--report`) again after it, when its sandbox is gone.
public enum OutputPath {
    public static func check(_ path: String, worktree: String, option: String) throws(SandboxError) {
        var absolute = path
        if !path.hasPrefix("/") {
            guard let cwd = getcwd(nil, 0) else { throw SystemError.last(.usage, "getcwd") }
            absolute = String(cString: cwd) + "/" + path
            free(cwd)
        }
        absolute = EnvFileReader.normalized(absolute)
        guard EnvFileReader.names(absolute, worktree: worktree) else { return }
        let parent = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.startIndex)])
        let realParent = (try? FileSystem.realPath(parent.isEmpty ? "/" : parent)) ?? ""
        if let st = FileSystem.lstatInfo(absolute), FileSystem.isSymlink(st) {
            throw SandboxError(.usage, "\(option) `\(path)`: a symbolic link in the worktree; refusing")
        }
        guard EnvFileReader.inside(realParent, worktree) else {
            throw SandboxError(.usage, "\(option) `\(path)`: names the worktree but leads to `\(realParent)` (a symbolic link in the worktree); refusing")
        }
    }
}
