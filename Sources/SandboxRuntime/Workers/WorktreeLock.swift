#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// One run per worktree: an exclusive flock on `<state>/locks/<hash of the real path>.lock`
/// (never inside the worktree, which the sandbox could write), held by the supervisor for
/// the whole run. The kernel drops it when the supervisor dies, however it dies.
///
/// The file is unlinked by its holder at the end, so 200 runs leave no file behind; a
/// waiter that then gets the lock on the unlinked file notices (its inode is no longer the
/// path's) and tries again on a fresh one.
public final class WorktreeLock {
    public let path: String
    public let worktree: String
    private var fd: Int32

    init(path: String, worktree: String, fd: Int32) {
        self.path = path
        self.worktree = worktree
        self.fd = fd
    }

    deinit { release() }

    public static func path(for worktree: String, in state: StateDirectory) -> String {
        state.locks + "/" + LogRetention.fnv1a(worktree) + ".lock"
    }

    /// The lock, or nil when another run holds it and `wait` is false. With `wait`, blocks
    /// until the holder is done.
    public static func acquire(worktree: String, state: StateDirectory, wait: Bool) throws(SandboxError) -> WorktreeLock? {
        let path = path(for: worktree, in: state)
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw SystemError.last(.state, "open lock", path: path) }
            var rc: Int32
            repeat { rc = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) } while rc != 0 && errno == EINTR
            if rc != 0 {
                let e = errno
                close(fd)
                if e == EWOULDBLOCK { return nil }
                throw SystemError.error(.state, "flock", path: path, errno: e)
            }
            // The holder before us may have unlinked the file we waited on.
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0, lstat(path, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                // Empty: which worktree a lock is about is in the live run's record (a
                // file with data costs its unlink a wait for writeback on ext4).
                return WorktreeLock(path: path, worktree: worktree, fd: fd)
            }
            close(fd)
        }
    }

    /// Unlinks the file while still holding the lock, then drops it.
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    /// Drops the lock but leaves the file, as a killed holder does (tests of the sweep).
    func abandonForTesting() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    public enum Removal { case absent, removed, held }

    /// Removes a lock file nobody holds (a supervisor killed before it could); a held lock
    /// is left alone.
    public static func removeIfUnheld(_ path: String) -> Removal {
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return errno == ENOENT ? .absent : .held }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return .held }
        var held = stat(), current = stat()
        guard fstat(fd, &held) == 0, lstat(path, &current) == 0, held.st_ino == current.st_ino else { return .absent }
        return unlink(path) == 0 ? .removed : .held
    }
}
