#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// The two pipes between parent and child: `sync` (parent -> child: "ids are mapped, go")
/// and `report` (child -> parent: `sbx_message` records; EOF when the init has exited).
struct LaunchPipes {
    var syncRead: Int32 = -1
    var syncWrite: Int32 = -1
    var reportRead: Int32 = -1
    var reportWrite: Int32 = -1

    static func make() throws(SandboxError) -> LaunchPipes {
        var sync: [Int32] = [-1, -1], report: [Int32] = [-1, -1]
        guard sbx_pipe_cloexec(&sync) == 0 else { throw SystemError.last(.setup, "pipe2") }
        guard sbx_pipe_cloexec(&report) == 0 else {
            close(sync[0]); close(sync[1])
            throw SystemError.last(.setup, "pipe2")
        }
        return LaunchPipes(syncRead: sync[0], syncWrite: sync[1], reportRead: report[0], reportWrite: report[1])
    }

    /// After clone3 the parent keeps only its own ends.
    mutating func closeChildEnds() {
        close(syncRead); syncRead = -1
        close(reportWrite); reportWrite = -1
    }

    mutating func closeAll() {
        for fd in [syncRead, syncWrite, reportRead, reportWrite] where fd >= 0 { close(fd) }
        self = LaunchPipes()
    }
}
