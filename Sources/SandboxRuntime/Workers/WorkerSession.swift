#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// `sandbox run` on a worker: one run per worktree (the lock), a registry record for
/// `ps`/`status`/`kill`, the output copied to the worker's log, and `--events`, around the
/// plain runner. The supervisor (this process) holds the lock for the whole run; if it is
/// SIGKILLed, the sandbox dies with it (PR_SET_PDEATHSIG), the kernel drops the lock, and
/// the next `sandbox` command sweeps the record (`StateSweeper`).
public struct WorkerSession {
    public var state: StateDirectory
    public var wait = false
    /// `--events FILE|fd:N`.
    public var events: String?
    /// `--report FILE` (written by `finished`; checked here like `--events`).
    public var report: String?
    /// Told once when the run has to wait for the worktree.
    public var notice: (String) -> Void = { _ in }
    /// Called with the report while the run still holds its record and lock (the CLI writes
    /// `--report` here), so whoever sees the run gone from the registry finds its report.
    public var finished: (RunReport) -> Void = { _ in }
    /// Adds what the caller knows to the report (the profile's settings) before anyone sees it.
    public var annotate: (inout RunReport) -> Void = { _ in }
    /// Sweep what dead runs left in the state directory once the sandbox is released, at most
    /// every 10 s (the CLI does; tests that count records leave it off).
    public var sweepsStaleRuns = false

    public init(state: StateDirectory) { self.state = state }

    public func run(_ plan: SandboxPlan, branch: String?, isRoot: Bool, cgroups: any CgroupDriver,
                    id: String = SandboxRunner.newRunID()) throws(SandboxError) -> RunReport {
        let registry = RunRegistry(state: state)
        guard let lock = try acquire(plan, registry: registry) else {
            throw SandboxError(.worker, busyMessage(plan, registry: registry))
        }
        defer { lock.release() }
        // Opened under the lock: no sandbox of this worktree can swap a link in meanwhile.
        let eventSink = try events.map { target throws(SandboxError) in
            if !target.hasPrefix("fd:") { try OutputPath.check(target, worktree: plan.worktree, option: "--events") }
            return try EventSink.open(target, runID: id)
        }
        if let report { try OutputPath.check(report, worktree: plan.worktree, option: "--report") }
        // From here on a `sandbox kill` (SIGTERM) is a request read by the supervisor.
        try Supervisor.blockForwardedSignals()
        StartupTrace.mark("lock")

        let startedAt = Clock.rfc3339Now()
        let logs = LogStore(state: state)
        var relay: OutputRelay?
        var logPath: String?
        if !plan.tty {
            // --tty runs keep the caller's terminal (job control, ^C, the foreground group)
            // and are not logged. The log itself is made once the sandbox is cloned.
            relay = try OutputRelay(logCap: logs.runCap)
            // EPIPE from a caller that stopped reading is handled, not fatal; the command
            // gets its signals reset in the child.
            signal(SIGPIPE, SIG_IGN)
        }
        let live = LiveRecord(registry: registry, record: RunRecord(
            id: id, worker: plan.worker, worktree: plan.worktree, branch: branch, profile: plan.profile,
            command: plan.argv, supervisorPID: getpid(), supervisorStartTicks: 0,
            startedAt: startedAt, startedUnixMs: Clock.unixMilliseconds(), log: nil))
        defer { live.remove() }
        StartupTrace.mark("log")

        // The log is made, and the record first written, once the sandbox is cloned, while its
        // child sets up on the other core: startup does not wait for them. The command does:
        // without its log it never starts. Until the record, the lock alone says the worktree
        // is busy, and a dead runner leaves nothing to sweep.
        var io = RunIO(relay: relay, events: eventSink, beforeCommand: { () throws(SandboxError) in
            guard let relay else { return }
            let log = try logs.create(worktree: plan.worktree, startedAt: startedAt, id: id)
            relay.attachLog(log.fd)
            logPath = log.path
            live.record.log = log.path
        }, onStarted: { pid, cgroup in
            // Read here, after the release: off the startup path (when the namespace helper
            // was a thread, reading /proc/PID/stat before the clone waited for it: 0.5 ms).
            live.record.supervisorStartTicks = ProcessTable().ownStartTicks()
            live.record.initPID = pid
            live.record.cgroup = cgroup
            live.record.phase = .running
            try? live.write()
            if logPath != nil { logs.prune(directory: logs.directory(worktree: plan.worktree)) }
        }, onStopping: {
            live.record.phase = .stopping
            try? live.write()
        })
        if sweepsStaleRuns {
            // Crash recovery (records, locks and cgroups of runs whose supervisor died), at
            // most every 10 s: it runs while the child sets up, but on the supervisor's CPU,
            // and a run's output and exit wait for it (a sweep every run cost ~0.3 ms of
            // each; `ps`, `status`, `kill` and `gc` still sweep records first).
            io.maintenance = { cgroups in
                guard StateSweeper.maintenanceDue(in: state, every: 10) else { return }
                StateSweeper(state: state).sweep()
                _ = cgroups.sweep(minimumAgeSeconds: 10)
            }
        }
        var report = SandboxRunner.run(plan, id: id, isRoot: isRoot, cgroups: cgroups, io: io)
        StartupTrace.mark("runner")
        relay?.finish()
        report.log = logPath
        annotate(&report)
        if let eventSink {
            var exited = eventSink.event(.exited)
            exited.report = report
            eventSink.emit(exited)
            eventSink.finish()
        }
        finished(report)
        StartupTrace.mark("after-run")
        return report
    }

    func acquire(_ plan: SandboxPlan, registry: RunRegistry) throws(SandboxError) -> WorktreeLock? {
        if let lock = try WorktreeLock.acquire(worktree: plan.worktree, state: state, wait: false) { return lock }
        guard wait else { return nil }
        notice("waiting: " + busyMessage(plan, registry: registry))
        return try WorktreeLock.acquire(worktree: plan.worktree, state: state, wait: true)
    }

    /// "worker-api is busy: run 7f3a1b2c (pid 1234) since 12:01:07".
    func busyMessage(_ plan: SandboxPlan, registry: RunRegistry) -> String {
        guard let holder = registry.live().first(where: { $0.worktree == plan.worktree }) else {
            return "\(plan.worker) is busy: another run holds `\(plan.worktree)`"
        }
        return "\(plan.worker) is busy: run \(holder.shortID) (pid \(holder.supervisorPID)) since \(Clock.localTimeOfDay(unixMs: holder.startedUnixMs))"
    }
}

/// The run's record as it changes phase (shared with the supervisor's callbacks).
final class LiveRecord {
    let registry: RunRegistry
    var record: RunRecord

    init(registry: RunRegistry, record: RunRecord) {
        self.registry = registry
        self.record = record
    }

    /// The record as last written (its file name carries the phase).
    private var written: RunRecord?

    func write() throws(SandboxError) {
        try registry.write(record, replacing: written)
        written = record
    }

    func remove() {
        if let written { registry.remove(written) }
        written = nil
    }
}
