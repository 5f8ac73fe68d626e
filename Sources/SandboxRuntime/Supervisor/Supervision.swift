#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// One run's supervision loop: a single poll over the init's pidfd, the signalfd, the
/// child's report pipe, the seccomp socket and listener, the output relay and the events
/// sink. Nothing in it blocks: every descriptor it writes is either a regular file or
/// written without waiting (see `OutputSink`), so a notification is answered as soon as it
/// comes whatever the caller's reader does.
final class Supervision {
    let sandbox: LaunchedSandbox
    let plan: SandboxPlan
    let signalFD: Int32
    let notifier: SeccompNotifier?
    var io: RunIO
    var messages = ChildMessages()
    var reportOpen = true
    var exited = false
    var status: Int32 = 0
    var usage = rusage()
    var stoppedBy: StoppedBy?
    /// When a stop request's grace period runs out (monotonic ns), SIGKILL.
    var killDeadline: UInt64?
    var stopping = false
    /// Limit notifications from the run's cgroup, for `--events` only.
    let limits: LimitWatcher?
    /// The plan's wall-clock and CPU timeouts.
    let deadlines: RunDeadlines

    init(sandbox: LaunchedSandbox, plan: SandboxPlan, signalFD: Int32, denials: DenialTable?, io: RunIO,
         cgroup: (any CgroupRun)?) {
        self.sandbox = sandbox
        self.plan = plan
        self.signalFD = signalFD
        self.notifier = denials.map { SeccompNotifier(table: $0, policy: plan.seccomp, socket: sandbox.notifySocket) }
        self.io = io
        let directories = cgroup?.paths ?? []
        limits = io.events != nil && !directories.isEmpty ? LimitWatcher(cgroupDirectories: directories) : nil
        deadlines = RunDeadlines(plan: plan.timeouts, cgroup: cgroup)
    }

    func run() {
        let relayCount = io.relay?.pollEntryCount ?? 0
        let limitStart = 6 + relayCount
        while !exited || reportOpen || (io.relay?.isActive ?? false) {
            var fds = [
                pollfd(fd: exited ? -1 : sandbox.pidfd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: reportOpen ? sandbox.reportFD : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: notifier?.socket ?? -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: notifier?.listener ?? -1, events: Int16(POLLIN), revents: 0),
                io.events?.pollEntry() ?? pollfd(fd: -1, events: 0, revents: 0),
            ]
            fds += io.relay?.pollEntries() ?? []
            fds += limits?.pollEntries() ?? []
            let rc = poll(&fds, nfds_t(fds.count), timeout())
            if rc < 0 {
                if errno == EINTR { continue }
                break
            }
            if !exited { checkDeadlines() }
            if rc == 0 {
                if let limits { emitLimits(limits.refresh()) }
                if let deadline = killDeadline, !exited, Clock.monotonicNanoseconds() >= deadline {
                    escalate()
                    continue
                }
                // After the init is gone, the report pipe and the relay reach EOF at once
                // (the namespace died with it); the timeout only guards against a stray
                // holder. Output still queued for a slow reader is waited for, as a
                // command writing to that reader directly would have waited.
                if exited && !(io.relay?.isWaitingForReader ?? false) { break }
                continue
            }
            if fds[1].revents != 0 { handleSignals() }
            if fds[3].revents != 0 { notifier?.receiveListener() }
            if fds[4].revents & Int16(POLLIN) != 0 {
                if let denial = notifier?.handleNotification() { emitDenial(denial) }
            } else if fds[4].revents != 0 {
                notifier?.closeListener()  // every filtered process is gone
            }
            if fds[5].revents != 0 { io.events?.handle(fds[5]) }
            if relayCount > 0 { io.relay?.handle(fds[6..<(6 + relayCount)]) }
            if let limits, fds.count > limitStart { emitLimits(limits.handle(fds[limitStart...])) }
            if fds[2].revents != 0 { reportOpen = readMessage() }
            if fds[0].revents != 0 {
                let r = wait4(sandbox.pid, &status, 0, &usage)
                if r == sandbox.pid || (r < 0 && errno != EINTR) { exited = true }
            }
        }
    }

    /// -1 (wait for something) unless a timeout, a grace period or the limit watcher is
    /// running, or the init is gone.
    func timeout() -> Int32 {
        if exited { return 1000 }
        var result = deadlines.pollTimeout()
        func consider(_ ms: Int32) { if ms >= 0 { result = result < 0 ? ms : min(result, ms) } }
        if limits?.hasCounters == true { consider(Int32(LimitWatcher.refreshInterval / 1_000_000)) }
        if let deadline = killDeadline {
            let now = Clock.monotonicNanoseconds()
            consider(now >= deadline ? 0 : Int32(min(UInt64(Int32.max), (deadline - now) / 1_000_000 + 1)))
        }
        return result
    }

    /// Timeouts (RunDeadlines): when one fires, the run is stopping, and `--events` says so.
    func checkDeadlines() {
        let before = deadlines.fired == nil
        deadlines.check(sandbox)
        guard before, let fired = deadlines.fired else { return }
        markStopping()
        if let events = io.events {
            var event = events.event(.timeout)
            event.limit = fired.kind.rawValue
            event.detail = "after \(fired.seconds) s: SIGTERM to every process, SIGKILL after \(deadlines.plan.graceSeconds) s"
            events.emit(event)
        }
    }

    /// Reads one message (the child writes each in one atomic write); false at EOF.
    func readMessage() -> Bool {
        var m = sbx_message()
        let size = MemoryLayout<sbx_message>.size
        var n: Int
        repeat { n = Glibc.read(sandbox.reportFD, &m, size) } while n < 0 && errno == EINTR
        if n == size { messages.absorb(m) }
        return n > 0
    }

    /// The last changes, when the init is gone (before `exited`).
    func finishLimits() {
        if let limits { emitLimits(limits.refresh(force: true)) }
    }

    func emitLimits(_ hits: [(limit: String, detail: String, count: Int)]) {
        guard let events = io.events else { return }
        for hit in hits {
            var event = events.event(.limitHit)
            event.limit = hit.limit
            event.detail = hit.detail
            event.count = hit.count
            events.emit(event)
        }
    }

    func emitDenial(_ denial: SeccompNotifier.Denial) {
        guard let events = io.events else { return }
        var event = events.event(.denied)
        event.syscall = denial.syscall
        event.action = denial.killed ? "kill" : "errno"
        event.pid = denial.nsPID
        events.emit(event)
    }
}
