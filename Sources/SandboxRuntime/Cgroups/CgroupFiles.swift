#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// File operations on a cgroup tree, shared by both drivers. Each retries EINTR and throws
/// "operation `path`: strerror (ERRNO)".
///
/// The same code runs on cgroupfs and on the plain-directory trees the unit tests build:
/// cgroupfs ignores O_CREAT for an existing interface file and refuses to create others, so
/// the flag changes nothing on a real host, while in a temp dir it records what was written.
enum CgroupFiles {
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            result += buffer[0..<n]
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Writes `value` in a single write(2): cgroup files take one value per write.
    static func write(_ value: String, to path: String, stage: SandboxError.Stage = .setup) throws(SandboxError) {
        var fd: Int32
        repeat { fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw error(stage, "open", path, errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        var n: Int
        repeat { n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } } while n < 0 && errno == EINTR
        guard n >= 0 else { throw error(stage, "write \"\(value)\" to", path, errno) }
        guard n == bytes.count else {
            throw SandboxError(stage, "write \"\(value)\" to `\(path)`: short write (\(n) of \(bytes.count) bytes)")
        }
    }

    static func makeDirectory(_ path: String, allowExisting: Bool) throws(SandboxError) {
        if mkdir(path, 0o755) == 0 { return }
        let e = errno
        if e == EEXIST && allowExisting && isDirectory(path) { return }
        throw error(.setup, "mkdir", path, e)
    }

    /// rmdir, retrying while the kernel still counts tasks in it (EBUSY; ENOTEMPTY is what a
    /// plain directory says). A missing directory counts as removed.
    static func removeDirectory(_ path: String, timeoutSeconds: Double) throws(SandboxError) {
        let deadline = monotonicSeconds() + timeoutSeconds
        var pause: UInt32 = 1000
        while true {
            if rmdir(path) == 0 { return }
            let e = errno
            if e == ENOENT { return }
            if e == EINTR { continue }
            guard e == EBUSY || e == ENOTEMPTY, monotonicSeconds() < deadline else {
                throw error(.supervise, "rmdir", path, e)
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Opens the directory `path` and takes an exclusive flock(2) on it. A run holds this for
    /// its lifetime, so that a sweep by another runner (`removeIfUnlocked`) never removes a
    /// live run's cgroup, not even in the moment between the init's exit and the final reads.
    /// flock works on cgroupfs directories (v1 and v2) as on any directory.
    static func lock(_ path: String) throws(SandboxError) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error(.setup, "open", path, errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            close(fd)
            throw error(.setup, "flock", path, e)
        }
        return fd
    }

    /// rmdir `path` unless its run still holds the lock; true when it is gone.
    static func removeIfUnlocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        return rmdir(path) == 0
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// W_OK also catches a read-only mount (EROFS), as containers often mount /sys/fs/cgroup.
    static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names of the subdirectories of `path` (not following symlinks), sorted.
    static func subdirectories(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            // cgroupfs fills in d_type: no lstat for each of the dozens of control files
            // (this runs after every run). DT_UNKNOWN falls back to lstat.
            let type = entry.pointee.d_type
            if type == UInt8(DT_DIR) || (type == UInt8(DT_UNKNOWN) && isDirectory(path + "/" + name)) {
                names.append(name)
            }
        }
        return names.sorted()
    }

    /// Seconds since `path` was last modified (cgroupfs: created), or nil.
    static func ageSeconds(_ path: String) -> Double? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - modified
    }

    /// statfs(2) f_type, or nil when `path` cannot be examined.
    static func filesystemType(_ path: String) -> Int? {
        let type = sbx_statfs_type(path)
        return type < 0 ? nil : Int(type)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// A run id becomes one directory name: no separators, no dot names, nothing a shell or a
    /// reader of cgroup paths would trip on.
    static func validateRunID(_ runID: String) throws(SandboxError) {
        let allowed = runID.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
        }
        guard allowed, !runID.isEmpty, runID.utf8.count <= 128, runID != ".", runID != ".." else {
            throw SandboxError(.setup, "cgroup run id \"\(runID)\": use 1-128 characters of [A-Za-z0-9._-]")
        }
    }

    /// "operation `path`: strerror (ENAME)", the runner's error text.
    static func error(_ stage: SandboxError.Stage, _ operation: String, _ path: String, _ code: Int32) -> SandboxError {
        SystemError.error(stage, operation, path: path, errno: code)
    }
}
