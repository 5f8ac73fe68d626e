#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Signals that reach the runner. A `sandbox kill` arrives as a queued signal carrying a
/// `StopRequest` (see there): its signal goes to every process of the sandbox (the init
/// broadcasts it), and after the grace period the init is killed, which kills the whole
/// PID namespace. Any other signal is forwarded to the command, as before.
extension Supervision {
    static let terminating: Set<Int32> = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    func handleSignals() {
        var info = sbx_signal_info()
        while sbx_signalfd_read_info(signalFD, &info) == 1 {
            let sender: Int32? = info.pid > 0 ? info.pid : nil
            if info.code == SBX_SI_QUEUE, let request = StopRequest(value: info.value) {
                stop(request, from: sender)
                continue
            }
            guard !exited else { continue }
            _ = sbx_pidfd_send_signal(sandbox.pidfd, info.signo)
            if Self.terminating.contains(info.signo) {
                if stoppedBy == nil { stoppedBy = StoppedBy(signal: info.signo, by: "signal", pid: sender) }
                markStopping()
            }
            emitSignal(info.signo, from: sender, by: "signal", to: "command")
        }
    }

    func stop(_ request: StopRequest, from sender: Int32?) {
        guard !exited else { return }
        if stoppedBy == nil { stoppedBy = StoppedBy(signal: request.signal, by: "sandbox kill", pid: sender) }
        markStopping()
        emitSignal(request.signal, from: sender, by: "sandbox kill", to: "all")
        if request.signal == SIGKILL {
            _ = sbx_pidfd_send_signal(sandbox.pidfd, SIGKILL)  // the namespace dies with its init
            return
        }
        _ = sbx_pidfd_sigqueue(sandbox.pidfd, request.signal, SBX_BROADCAST_VALUE)
        if request.graceSeconds > 0 && killDeadline == nil {
            killDeadline = Clock.monotonicNanoseconds() + UInt64(request.graceSeconds) * 1_000_000_000
        }
    }

    /// The grace period ran out: SIGKILL to the init takes every process of the sandbox.
    func escalate() {
        killDeadline = nil
        _ = sbx_pidfd_send_signal(sandbox.pidfd, SIGKILL)
        stoppedBy?.escalated = true
        if let events = io.events {
            var event = events.event(.escalated)
            event.signal = SIGKILL
            event.signalName = SignalNames.name(SIGKILL)
            events.emit(event)
        }
    }

    func markStopping() {
        guard !stopping else { return }
        stopping = true
        io.onStopping?()
    }

    func emitSignal(_ signal: Int32, from sender: Int32?, by: String, to: String) {
        guard let events = io.events else { return }
        var event = events.event(.signal)
        event.signal = signal
        event.signalName = SignalNames.name(signal)
        event.fromPID = sender
        event.by = by
        event.to = to
        events.emit(event)
    }
}
