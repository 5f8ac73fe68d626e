#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Watches a launched sandbox (the loop is `Supervision`): forwards signals the runner
/// receives to the init, reads the child's messages, answers seccomp notifications, relays
/// output, and collects the init's exit with its resource usage.
public struct Supervisor {
    /// The signals `sandbox` passes on (the init passes them to the command).
    public static let forwardedSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

    public struct Outcome {
        public var termination: Termination
        public var userMs: UInt64
        public var systemMs: UInt64
        public var deniedSyscalls: [RunReport.DeniedSyscall] = []
        public var stoppedBy: StoppedBy?
    }

    let signalFD: Int32

    /// Blocks the forwarded signals in this thread (so threads created later inherit the
    /// mask) and receives them on a signalfd. Call before launching: a signal that arrives
    /// in between is then delivered to us, not lost or fatal.
    public init() throws(SandboxError) {
        let mask = try Self.blockForwardedSignals()
        signalFD = withUnsafePointer(to: mask) { sbx_signalfd($0) }
        guard signalFD >= 0 else { throw SystemError.last(.supervise, "signalfd") }
    }

    /// Blocks the forwarded signals now: one that arrives later stays pending and is read
    /// from the signalfd once supervision starts (a `sandbox kill` of a run still in its
    /// `starting` phase is then a stop request, not the runner's death).
    @discardableResult
    public static func blockForwardedSignals() throws(SandboxError) -> sigset_t {
        var mask = sigset_t()
        guard sbx_block_signals(Self.forwardedSignals, Int32(Self.forwardedSignals.count), &mask) == 0 else {
            throw SystemError.last(.supervise, "pthread_sigmask")
        }
        return mask
    }

    public func close() { _ = Glibc.close(signalFD) }

    /// `cgroup`: the run's cgroup (CPU timeouts read it; limit events watch it).
    public func supervise(_ sandbox: LaunchedSandbox, plan: SandboxPlan, denials: DenialTable?, io: RunIO = RunIO(),
                          cgroup: (any CgroupRun)? = nil) -> Outcome {
        let run = Supervision(sandbox: sandbox, plan: plan, signalFD: signalFD, denials: denials, io: io,
                              cgroup: cgroup)
        run.run()
        run.finishLimits()
        Glibc.close(sandbox.pidfd)
        Glibc.close(sandbox.reportFD)
        var ending = termination(run.messages, initStatus: run.status, plan: plan)
        if let fired = run.deadlines.fired {
            ending = .timedOut(fired.kind, seconds: fired.seconds)
        }
        // The command itself was killed by the policy (through the notifier): say so.
        if case .signaled(SIGKILL) = ending, let pid = run.messages.commandPID,
           let kill = run.notifier?.killed.first(where: { $0.nsPID == pid }) {
            ending = .seccompKilled(syscall: kill.syscall)
        }
        var outcome = Outcome(
            termination: ending, userMs: milliseconds(run.usage.ru_utime), systemMs: milliseconds(run.usage.ru_stime),
            deniedSyscalls: run.notifier?.denied ?? [])
        outcome.stoppedBy = run.stoppedBy
        return outcome
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
