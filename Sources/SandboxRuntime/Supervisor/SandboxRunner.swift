#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// `Sandbox.run(plan)`: compile the filter, launch, supervise, and describe the run.
/// Never throws: every failure becomes a report with status `setup_failed`.
public enum SandboxRunner {
    public static func newRunID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `cgroups`: the driver whose `info` the plan was made with (the CLI makes one per command).
    /// `io`: output relay, events and registry callbacks (`WorkerSession` sets them up).
    public static func run(_ plan: SandboxPlan, id: String = newRunID(), isRoot: Bool,
                           cgroups: any CgroupDriver = CgroupDriverFactory.make(), io: RunIO = RunIO()) -> RunReport {
        let startedAt = Clock.rfc3339Now()
        let start = Clock.monotonicNanoseconds()
        var outcome: Supervisor.Outcome
        var cgroup: (any CgroupRun)?
        do {
            // The cgroup exists, limits set, before the child does.
            cgroup = try cgroups.create(runID: id, plan: plan.cgroup)
            StartupTrace.mark("cgroup")
            outcome = try launchAndSupervise(plan, isRoot: isRoot, cgroup: cgroup, io: io) {
                io.maintenance?(cgroups)
            }
        } catch {
            outcome = Supervisor.Outcome(termination: .setupFailed(error), userMs: 0, systemMs: 0)
        }
        var usage = CgroupUsage()
        defer { StartupTrace.mark("cgroup-cleanup") }
        var cleanupError: SandboxError?
        if let cgroup {
            usage = cgroup.usage()
            // The PID namespace died with the init; this catches anything that escaped it.
            cgroup.killAll()
            do { try cgroup.remove() } catch { cleanupError = error.wrapped("removing the run's cgroup") }
        }
        let termination = oomAware(outcome.termination, usage: usage)
        var report = RunReport(
            id: id, worker: plan.worker, worktree: plan.worktree, profile: plan.profile, command: plan.argv,
            termination: termination, startedAt: startedAt,
            wallMs: (Clock.monotonicNanoseconds() - start) / 1_000_000,
            cpuUserMs: outcome.userMs, cpuSystemMs: outcome.systemMs)
        report.limits = plan.cgroup.summary
        report.usage = usage
        report.deniedSyscalls = outcome.deniedSyscalls
        report.stoppedBy = outcome.stoppedBy
        // A cgroup left behind is the runner's failure, reported without hiding the command's status.
        if let cleanupError, report.error == nil {
            report.error = RunReport.ErrorInfo(stage: cleanupError.stage.rawValue, message: cleanupError.message)
        }
        return report
    }

    /// OOM is read from the cgroup's counter, never guessed from SIGKILL alone: the run is
    /// `oom` when the kernel OOM-killed something in it AND the command died of SIGKILL, or
    /// exited 137 (how a shell reports a child that was). Any other ending stays as it is;
    /// the report's `oom_kills` still shows a helper the command survived losing.
    static func oomAware(_ termination: Termination, usage: CgroupUsage) -> Termination {
        guard (usage.oomKills ?? 0) > 0 else { return termination }
        switch termination {
        case .signaled(signal: SIGKILL), .exited(code: ExitCodes.outOfMemory): return .outOfMemory
        default: return termination
        }
    }

    /// The policy's BPF with denials reported (user notifications), from the on-disk cache
    /// when there is one. An imported policy may name syscalls this architecture's libseccomp
    /// does not know (newer than it): their allow rules are skipped, as Docker does (`sandbox
    /// profile check` lists them); denying an unknown call is an error there.
    static func compileFilter(_ seccomp: SeccompPolicy) throws(SandboxError) -> SeccompCompiler.Program {
        let policy = try SeccompCompiler.droppingUnknownSyscalls(seccomp).policy
        if let cache = SeccompCache.forCurrentUser() {
            return try cache.program(for: policy, reportDenials: true)
        }
        return try SeccompCompiler.compile(policy, reportDenials: true)
    }

    /// `whileStarting`: work that need not delay the command, done right after the release.
    static func launchAndSupervise(_ plan: SandboxPlan, isRoot: Bool, cgroup: (any CgroupRun)?, io: RunIO,
                                   whileStarting: () -> Void = {}) throws(SandboxError) -> Supervisor.Outcome {
        try plan.seccomp.checkStartable()
        let supervisor = try Supervisor()
        defer { supervisor.close() }
        var sandbox = try Launcher.launch(plan, reportDenials: true, isRoot: isRoot, cgroup: cgroup, relay: io.relay)
        StartupTrace.mark("launched")
        // The filter (and the caller's own preparations) are made while the child mounts on
        // the other core; the child waits for the filter before its command starts, and dies
        // with it unsent (fail closed).
        let filter: SeccompCompiler.Program
        do throws(SandboxError) {
            filter = try compileFilter(plan.seccomp)
            try io.beforeCommand?()
            // false: the child is gone already (its setup failed); the report pipe says why.
            _ = try Launcher.sendFilter(filter, to: &sandbox)
        } catch {
            Launcher.abandon(sandbox)
            throw error
        }
        StartupTrace.mark("filter")
        whileStarting()
        io.onStarted?(sandbox.pid, cgroup?.paths)
        if let events = io.events {
            var started = events.event(.started)
            started.pid = sandbox.pid
            started.namespaces = plan.namespaces.map(\.rawValue)
            events.emit(started)
        }
        StartupTrace.mark("record-running")
        let outcome = supervisor.supervise(sandbox, plan: plan, denials: filter.denials, io: io, cgroup: cgroup)
        StartupTrace.mark("supervised")
        return outcome
    }
}
