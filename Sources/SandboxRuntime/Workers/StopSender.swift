#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// `sandbox kill`: asks a run's supervisor to stop the run. The request rides on a queued
/// SIGTERM (see `StopRequest`), sent through a pidfd opened and then checked against the
/// record's start time, so a reused pid is never signalled.
public enum StopSender {
    public static func send(_ request: StopRequest, to record: RunRecord, processes: ProcessTable = ProcessTable()) throws(SandboxError) -> Int32 {
        let pid = record.supervisorPID
        let pidfd = sbx_pidfd_open(pid)
        guard pidfd >= 0 else {
            if errno == ESRCH { throw SandboxError(.state, "run \(record.shortID) (\(record.worker)): supervisor pid \(pid) is gone") }
            throw SystemError.last(.state, "pidfd_open", path: "/proc/\(pid)")
        }
        guard processes.isAlive(pid: pid, startTicks: record.supervisorStartTicks) else {
            close(pidfd)
            throw SandboxError(.state, "run \(record.shortID) (\(record.worker)): supervisor pid \(pid) is gone")
        }
        guard sbx_pidfd_sigqueue(pidfd, SIGTERM, request.value) == 0 else {
            let e = errno
            close(pidfd)
            throw SystemError.error(.state, "pidfd_send_signal", path: "/proc/\(pid)", errno: e)
        }
        return pidfd
    }

    /// A pidfd of the run's supervisor, checked to be the process the record names; -1 if gone.
    public static func openSupervisor(_ record: RunRecord, processes: ProcessTable = ProcessTable()) -> Int32 {
        let pidfd = sbx_pidfd_open(record.supervisorPID)
        guard pidfd >= 0 else { return -1 }
        guard processes.isAlive(pid: record.supervisorPID, startTicks: record.supervisorStartTicks) else {
            close(pidfd)
            return -1
        }
        return pidfd
    }

    /// Waits until the process behind `pidfd` exits, for at most `milliseconds`; true if it did.
    public static func waitForExit(pidfd: Int32, milliseconds: Int) -> Bool {
        let deadline = Clock.monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
        while true {
            let now = Clock.monotonicNanoseconds()
            if now >= deadline { return false }
            var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&p, 1, Int32((deadline - now) / 1_000_000) + 1)
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { return false }
        }
    }
}
