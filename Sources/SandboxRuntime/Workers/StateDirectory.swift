#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// The runner's own state: the registry of live runs (`runs/`), worktree locks (`locks/`)
/// and per-worker logs (`logs/`). `/run/sandbox` as root, `$XDG_RUNTIME_DIR/sandbox`
/// otherwise (`/tmp/sandbox-UID` without one); `SANDBOX_STATE_DIR` overrides both (tests).
/// No sandbox sees it: sandboxes get neither /run nor the host's home, and their /tmp is
/// their own. Each directory is mode 0700 and must belong to the invoking user.
public struct StateDirectory: Sendable {
    public let path: String

    public var runs: String { path + "/runs" }
    public var locks: String { path + "/locks" }
    public var logs: String { path + "/logs" }

    public init(path: String) { self.path = path }

    public static func defaultPath(uid: uid_t, environment: [String: String]) -> String {
        if let explicit = environment["SANDBOX_STATE_DIR"], explicit.hasPrefix("/") { return explicit }
        if uid == 0 { return "/run/sandbox" }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return runtime + "/sandbox" }
        return "/tmp/sandbox-\(uid)"
    }

    /// The invoking user's state directory, created (mode 0700) and checked.
    public static func open(path: String) throws(SandboxError) -> StateDirectory {
        let state = StateDirectory(path: path)
        for directory in [state.path, state.runs, state.locks, state.logs] {
            try ensurePrivateDirectory(directory)
        }
        return state
    }

    public static func openDefault() throws(SandboxError) -> StateDirectory {
        try open(path: defaultPath())
    }

    /// `defaultPath(uid:environment:)` for this process, with getenv (no copy of the
    /// whole environment on the startup path).
    public static func defaultPath() -> String {
        var environment: [String: String] = [:]
        for name in ["SANDBOX_STATE_DIR", "XDG_RUNTIME_DIR"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return defaultPath(uid: geteuid(), environment: environment)
    }

    /// Creates `path` (parents too, for the top level) as 0700, or accepts an existing one
    /// that is a real directory of ours with no access for others: anything else could be
    /// someone else's trap (a symlink in /tmp, a shared directory).
    /// Whether `path` is a directory (not a link) of this user that nobody else can enter:
    /// what `ensurePrivateDirectory` makes, checked without making or changing anything.
    public static func isPrivate(_ path: String) -> Bool {
        guard let st = FileSystem.lstatInfo(path) else { return false }
        return FileSystem.isDirectory(st) && st.st_uid == geteuid() && st.st_mode & 0o077 == 0
    }

    static func ensurePrivateDirectory(_ path: String) throws(SandboxError) {
        if mkdir(path, 0o700) != 0 {
            let e = errno
            if e == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
                try ensureParent(String(path[..<slash]))
                if mkdir(path, 0o700) != 0 && errno != EEXIST { throw SystemError.last(.state, "mkdir", path: path) }
            } else if e != EEXIST {
                throw SystemError.error(.state, "mkdir", path: path, errno: e)
            }
        }
        guard let st = FileSystem.lstatInfo(path) else { throw SystemError.last(.state, "lstat", path: path) }
        guard FileSystem.isDirectory(st) else {
            throw SandboxError(.state, "`\(path)` is not a directory (a symbolic link?); refusing it as the runner's state")
        }
        guard st.st_uid == geteuid() else {
            throw SandboxError(.state, "`\(path)` belongs to uid \(st.st_uid), not to uid \(geteuid()); refusing it as the runner's state")
        }
        if st.st_mode & 0o077 != 0 {
            guard chmod(path, 0o700) == 0 else { throw SystemError.last(.state, "chmod 0700", path: path) }
        }
    }

    /// Parents of the top directory (for `SANDBOX_STATE_DIR=/var/tmp/x/state`), made 0755.
    static func ensureParent(_ path: String) throws(SandboxError) {
        if FileSystem.lstatInfo(path) != nil { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try ensureParent(String(path[..<slash])) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw SystemError.last(.state, "mkdir", path: path) }
    }
}
