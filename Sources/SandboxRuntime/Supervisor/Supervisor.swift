#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Watches a launched sandbox: forwards signals the runner receives to the init, reads the
/// child's messages, and collects the init's exit with its resource usage.
public struct Supervisor {
    /// The signals `sandbox` passes on (the init passes them to the command).
    public static let forwardedSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

    public struct Outcome {
        public var termination: Termination
        public var userMs: UInt64
        public var systemMs: UInt64
        public var deniedSyscalls: [RunReport.DeniedSyscall] = []
    }

    let signalFD: Int32

    /// Blocks the forwarded signals in this thread (so threads created later inherit the
    /// mask) and receives them on a signalfd. Call before launching: a signal that arrives
    /// in between is then delivered to us, not lost or fatal.
    public init() throws(SandboxError) {
        var mask = sigset_t()
        guard sbx_block_signals(Self.forwardedSignals, Int32(Self.forwardedSignals.count), &mask) == 0 else {
            throw SystemError.last(.supervise, "pthread_sigmask")
        }
        signalFD = sbx_signalfd(&mask)
        guard signalFD >= 0 else { throw SystemError.last(.supervise, "signalfd") }
    }

    public func close() { _ = Glibc.close(signalFD) }

    public func supervise(_ sandbox: LaunchedSandbox, plan: SandboxPlan, denials: DenialTable?,
                          cgroup: (any CgroupRun)? = nil) -> Outcome {
        let deadlines = RunDeadlines(plan: plan.timeouts, cgroup: cgroup)
        let notifier = denials.map { SeccompNotifier(table: $0, socket: sandbox.notifySocket) }
        var messages = ChildMessages()
        var reportOpen = true
        var exited = false
        var status: Int32 = 0
        var usage = rusage()
        while !exited || reportOpen {
            var fds = [
                pollfd(fd: exited ? -1 : sandbox.pidfd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: reportOpen ? sandbox.reportFD : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: notifier?.socket ?? -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: notifier?.listener ?? -1, events: Int16(POLLIN), revents: 0),
            ]
            // After the init is gone the report pipe reaches EOF at once (every other
            // holder closed it at exec); the timeout only guards against a stray holder.
            let rc = poll(&fds, nfds_t(fds.count), exited ? 1000 : deadlines.pollTimeout())
            if rc < 0 {
                if errno == EINTR { continue }
                break
            }
            if !exited { deadlines.check(sandbox) }
            if rc == 0 {
                if exited { break }
                continue
            }
            if fds[1].revents != 0 { forwardSignals(to: sandbox) }
            if fds[3].revents != 0 { notifier?.receiveListener() }
            if fds[4].revents & Int16(POLLIN) != 0 {
                notifier?.handleNotification()
            } else if fds[4].revents != 0 {
                notifier?.closeListener()  // every filtered process is gone
            }
            if fds[2].revents != 0 { reportOpen = readMessage(sandbox.reportFD, into: &messages) }
            if fds[0].revents != 0 {
                let r = wait4(sandbox.pid, &status, 0, &usage)
                if r == sandbox.pid || (r < 0 && errno != EINTR) { exited = true }
            }
        }
        Glibc.close(sandbox.pidfd)
        Glibc.close(sandbox.reportFD)
        var ending = termination(messages, initStatus: status, plan: plan)
        if let fired = deadlines.fired {
            ending = .timedOut(fired.kind, seconds: fired.seconds)
        }
        // The command itself was killed by the policy (through the notifier): say so.
        if case .signaled(SIGKILL) = ending, let pid = messages.commandPID,
           let kill = notifier?.killed.first(where: { $0.nsPID == pid }) {
            ending = .seccompKilled(syscall: kill.syscall)
        }
        return Outcome(
            termination: ending, userMs: milliseconds(usage.ru_utime), systemMs: milliseconds(usage.ru_stime),
            deniedSyscalls: notifier?.denied ?? [])
    }

    func forwardSignals(to sandbox: LaunchedSandbox) {
        while case let signal = sbx_signalfd_read(signalFD), signal > 0 {
            _ = sbx_pidfd_send_signal(sandbox.pidfd, signal)
        }
    }

    /// Reads one message (the child writes each in one atomic write); false at EOF.
    func readMessage(_ fd: Int32, into messages: inout ChildMessages) -> Bool {
        var m = sbx_message()
        let size = MemoryLayout<sbx_message>.size
        var n: Int
        repeat { n = Glibc.read(fd, &m, size) } while n < 0 && errno == EINTR
        if n == size { messages.absorb(m) }
        return n > 0
    }

    func termination(_ m: ChildMessages, initStatus: Int32, plan: SandboxPlan) -> Termination {
        if let setup = m.setupError {
            let what = ChildMessages.describe(stage: setup.stage, step: setup.step, plan: plan)
            return .setupFailed(SandboxError(.setup, "\(what): \(SystemError.describe(setup.errno))"))
        }
        if let e = m.execErrno {
            let notFound = e == ENOENT || e == ENOTDIR
            let message = notFound ? "\(plan.argv[0]): command not found" : "execve `\(plan.argv[0])`: \(SystemError.describe(e))"
            return .setupFailed(SandboxError(.exec, message, exitCode: notFound ? ExitCodes.notFound : ExitCodes.cannotExecute))
        }
        if let status = m.exitStatus {
            if sbx_wifsignaled(status) != 0 { return .signaled(signal: sbx_wtermsig(status)) }
            return .exited(code: sbx_wexitstatus(status))
        }
        // The init died without a word: killed from outside (or by the OOM killer).
        if sbx_wifsignaled(initStatus) != 0 { return .signaled(signal: sbx_wtermsig(initStatus)) }
        return .setupFailed(SandboxError(.supervise, "the sandbox's init exited (status \(sbx_wexitstatus(initStatus))) without reporting the command's status"))
    }

    func milliseconds(_ t: timeval) -> UInt64 {
        UInt64(t.tv_sec) * 1000 + UInt64(t.tv_usec) / 1000
    }
}
