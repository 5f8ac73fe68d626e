#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Small file helpers on raw fds (no Foundation on the startup path). Each retries EINTR
/// and throws a SandboxError naming the operation and path.
public enum FileSystem {
    /// Reads a whole file, refusing more than `limit` bytes. `noFollow` refuses a symlink
    /// as the last component (for files inside a hostile worktree).
    public static func read(_ path: String, limit: Int = 1 << 20, noFollow: Bool = false,
                            stage: SandboxError.Stage = .setup) throws(SandboxError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (noFollow ? O_NOFOLLOW : 0))
        guard fd >= 0 else { throw SystemError.last(stage, "open", path: path) }
        defer { close(fd) }
        // Read straight into the result, growing it: most files read here (procfs, profiles,
        // records) are small, and a fresh 64 KiB buffer per read cost each start ~0.1 ms of
        // zeroing and page faults.
        var result = [UInt8](repeating: 0, count: 4096)
        var used = 0
        while true {
            if used == result.count { result += [UInt8](repeating: 0, count: min(result.count, 1 << 20)) }
            let n = result.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + used, $0.count - used) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last(stage, "read", path: path)
            }
            if n == 0 { break }
            used += n
            if used > limit {
                throw SandboxError(stage, "read `\(path)`: larger than \(limit) bytes")
            }
        }
        result.removeSubrange(used...)
        return result
    }

    public static func readText(_ path: String, limit: Int = 1 << 20, noFollow: Bool = false,
                                stage: SandboxError.Stage = .setup) throws(SandboxError) -> String {
        String(decoding: try read(path, limit: limit, noFollow: noFollow, stage: stage), as: UTF8.self)
    }

    /// Writes `text` to an existing file (procfs, cgroupfs) in one write.
    public static func write(_ text: String, to path: String, stage: SandboxError.Stage = .setup) throws(SandboxError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last(stage, "open", path: path) }
        defer { close(fd) }
        try writeAll(fd: fd, Array(text.utf8), path: path, stage: stage)
    }

    /// Writes a new file atomically: a temporary beside it, then rename.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                                       stage: SandboxError.Stage = .report) throws(SandboxError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw SystemError.last(stage, "open", path: temporary) }
        do {
            try writeAll(fd: fd, bytes, path: temporary, stage: stage)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw SystemError.error(stage, "rename", path: path, errno: e)
        }
    }

    static func writeAll(fd: Int32, _ bytes: [UInt8], path: String, stage: SandboxError.Stage) throws(SandboxError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError.last(stage, "write", path: path)
            }
            offset += n
        }
    }

    public static func lstatInfo(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    public static func realPath(_ path: String, stage: SandboxError.Stage = .worker) throws(SandboxError) -> String {
        guard let resolved = realpath(path, nil) else { throw SystemError.last(stage, "realpath", path: path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func isDirectory(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFDIR }
    public static func isSymlink(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFLNK }
    public static func isRegular(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFREG }
}
