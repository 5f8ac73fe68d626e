#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Reads `--env-file` on the host. The runner may be root, and a file named inside the
/// worktree is the worker's own writing: a symbolic link there could point the runner at a
/// host secret that the worker then reads back through its environment. So the file is
/// opened first, and what was actually opened (its path from /proc/self/fd) decides: a path
/// that names the worktree must open a file inside it. No race: the check is on the open file.
public enum EnvFileReader {
    public static func read(_ path: String, currentDirectory: String, worktree: String) throws(SandboxError) -> [EnvironmentOverride] {
        let absolute = normalized(path.hasPrefix("/") ? path : currentDirectory + "/" + path)
        // O_NONBLOCK: a FIFO must not hang the runner (it is refused below).
        let fd = open(absolute, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw SystemError.last(.usage, "--env-file: open", path: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw SandboxError(.usage, "--env-file `\(path)`: not a regular file")
        }
        let opened = FileSystem.readLink("/proc/self/fd/\(fd)") ?? ""
        if names(absolute, worktree: worktree) && !inside(opened, worktree) {
            throw SandboxError(.usage, "--env-file `\(path)`: names a file in the worktree but opens `\(opened)` (a symbolic link in the worktree); refusing")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw SystemError.last(.usage, "--env-file: read", path: path) }
            if n == 0 { break }
            bytes += buffer[0..<n]
            guard bytes.count <= 1 << 20 else { throw SandboxError(.usage, "--env-file `\(path)`: larger than 1 MiB") }
        }
        return try EnvFile.parse(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Whether `absolute` names a file of the worktree: by its spelling, or by where its
    /// directory really is (`~/link-to-worktree/.env` reaches the worktree too).
    static func names(_ absolute: String, worktree: String) -> Bool {
        if inside(absolute, worktree) { return true }
        let parent = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.startIndex)])
        guard let real = try? FileSystem.realPath(parent.isEmpty ? "/" : parent) else { return false }
        return inside(real, worktree)
    }

    static func inside(_ path: String, _ directory: String) -> Bool {
        path == directory || path.hasPrefix(directory + "/")
    }

    /// `/a/./b/../c` -> `/a/c`, lexically (what the caller named, before any link).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }
}
