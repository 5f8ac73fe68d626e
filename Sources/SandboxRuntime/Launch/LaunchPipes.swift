#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// The channels between parent and child: `sync` (parent -> child: "ids are mapped, go"),
/// `report` (child -> parent: `sbx_message` records; EOF when the init has exited),
/// `filter` (parent -> child: the compiled seccomp filter, sent while the child mounts) and,
/// when denials are reported, a socket for the command's seccomp listener.
struct LaunchPipes {
    var syncRead: Int32 = -1
    var syncWrite: Int32 = -1
    var reportRead: Int32 = -1
    var reportWrite: Int32 = -1
    var notifyParent: Int32 = -1
    var notifyChild: Int32 = -1
    var filterRead: Int32 = -1
    var filterWrite: Int32 = -1

    static func make(withNotifySocket: Bool) throws(SandboxError) -> LaunchPipes {
        var pipes = LaunchPipes()
        var sync: [Int32] = [-1, -1], report: [Int32] = [-1, -1], notify: [Int32] = [-1, -1]
        guard sbx_pipe_cloexec(&sync) == 0 else { throw SystemError.last(.setup, "pipe2") }
        (pipes.syncRead, pipes.syncWrite) = (sync[0], sync[1])
        guard sbx_pipe_cloexec(&report) == 0 else {
            pipes.closeAll()
            throw SystemError.last(.setup, "pipe2")
        }
        (pipes.reportRead, pipes.reportWrite) = (report[0], report[1])
        var filter: [Int32] = [-1, -1]
        guard sbx_stream_pair_cloexec(&filter) == 0 else {
            pipes.closeAll()
            throw SystemError.last(.setup, "socketpair")
        }
        (pipes.filterRead, pipes.filterWrite) = (filter[0], filter[1])
        if withNotifySocket {
            guard sbx_socketpair_cloexec(&notify) == 0 else {
                pipes.closeAll()
                throw SystemError.last(.setup, "socketpair")
            }
            (pipes.notifyParent, pipes.notifyChild) = (notify[0], notify[1])
        }
        return pipes
    }

    /// After clone3 the parent keeps only its own ends.
    mutating func closeChildEnds() {
        for fd in [syncRead, reportWrite, notifyChild, filterRead] where fd >= 0 { close(fd) }
        (syncRead, reportWrite, notifyChild, filterRead) = (-1, -1, -1, -1)
    }

    mutating func closeAll() {
        for fd in [syncRead, syncWrite, reportRead, reportWrite, notifyParent, notifyChild, filterRead, filterWrite]
        where fd >= 0 { close(fd) }
        self = LaunchPipes()
    }
}
