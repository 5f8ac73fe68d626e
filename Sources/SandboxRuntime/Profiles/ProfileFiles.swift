import Glibc
import SandboxCore

/// The few file operations profile lookup needs, with the checks that make reading a
/// profile safe: a regular file, bounded size, and the real path of what was actually
/// opened (from /proc/self/fd, so no symlink can be swapped between check and read).
enum ProfileFiles {
    enum ReadResult {
        case missing
        case file(realPath: String, bytes: [UInt8])
        case failed(String)
    }

    static func read(_ path: String) -> ReadResult {
        // O_NONBLOCK: a FIFO planted at the path must not hang the runner.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .missing }
            // A search directory the caller cannot even enter (HOME still /root under
            // setpriv, say) holds nothing of theirs: not there. A file it can see but not
            // read is an error: it may be the stricter profile they meant.
            var seen = stat()
            if code == EACCES && stat(path, &seen) != 0 && errno == EACCES { return .missing }
            return .failed("open `\(path)`: \(describe(code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failed("fstat `\(path)`: \(describe(errno))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failed("`\(path)` is not a regular file") }
        guard let real = realPath(ofDescriptor: fd) else { return .failed("readlink /proc/self/fd for `\(path)`: \(describe(errno))") }
        // One byte past the cap, so the parser can report the size.
        let limit = 256 * 1024 + 1
        var bytes = [UInt8](repeating: 0, count: limit)
        var total = 0
        while total < limit {
            let n = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + total, limit - total)
            }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .failed("read `\(path)`: \(describe(errno))") }
            if n == 0 { break }
            total += n
        }
        return .file(realPath: real, bytes: Array(bytes[0..<total]))
    }

    static func realPath(ofDescriptor fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// realpath(3), or nil when the path does not resolve.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` is `directory` or below it (both real, absolute paths).
    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// Names of the `*.toml` files in a directory, sorted; [] when it cannot be listed.
    static func tomlFiles(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".toml") { names.append(name) }
        }
        return names.sorted()
    }

    /// "Permission denied (EACCES)": the runner's one errno format.
    static func describe(_ code: Int32) -> String {
        SystemError.describe(code)
    }
}
