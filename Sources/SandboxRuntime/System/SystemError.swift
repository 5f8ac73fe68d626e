#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Turns an errno into the text every error of the runner uses:
/// "operation `path`: strerror (ENAME)".
public enum SystemError {
    public static func describe(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return "\(text) (\(name(of: code)))"
    }

    public static func error(_ stage: SandboxError.Stage, _ operation: String, path: String? = nil, errno code: Int32) -> SandboxError {
        let subject = path.map { "\(operation) `\($0)`" } ?? operation
        return SandboxError(stage, "\(subject): \(describe(code))")
    }

    /// The errno of the last failed call, wrapped.
    public static func last(_ stage: SandboxError.Stage, _ operation: String, path: String? = nil) -> SandboxError {
        error(stage, operation, path: path, errno: errno)
    }

    static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO",
        E2BIG: "E2BIG", ENOEXEC: "ENOEXEC", EBADF: "EBADF", ECHILD: "ECHILD", EAGAIN: "EAGAIN",
        ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST",
        EXDEV: "EXDEV", ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL",
        ENFILE: "ENFILE", EMFILE: "EMFILE", ENOTTY: "ENOTTY", ETXTBSY: "ETXTBSY", EFBIG: "EFBIG",
        ENOSPC: "ENOSPC", ESPIPE: "ESPIPE", EROFS: "EROFS", EMLINK: "EMLINK", EPIPE: "EPIPE",
        ERANGE: "ERANGE", ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY",
        ELOOP: "ELOOP", EOVERFLOW: "EOVERFLOW", EOPNOTSUPP: "EOPNOTSUPP", EUSERS: "EUSERS",
        ETIMEDOUT: "ETIMEDOUT",
    ]

    public static func name(of code: Int32) -> String {
        names[code] ?? "errno \(code)"
    }
}
