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

    public static func run(_ plan: SandboxPlan, id: String = newRunID(), isRoot: Bool) -> RunReport {
        let startedAt = Clock.rfc3339Now()
        let start = Clock.monotonicNanoseconds()
        var outcome: Supervisor.Outcome
        do {
            outcome = try launchAndSupervise(plan, isRoot: isRoot)
        } catch {
            outcome = Supervisor.Outcome(termination: .setupFailed(error), userMs: 0, systemMs: 0)
        }
        var report = RunReport(
            id: id, worker: plan.worker, worktree: plan.worktree, profile: plan.profile, command: plan.argv,
            termination: outcome.termination, startedAt: startedAt,
            wallMs: (Clock.monotonicNanoseconds() - start) / 1_000_000,
            cpuUserMs: outcome.userMs, cpuSystemMs: outcome.systemMs)
        report.deniedSyscalls = outcome.deniedSyscalls
        return report
    }

    static func launchAndSupervise(_ plan: SandboxPlan, isRoot: Bool) throws(SandboxError) -> Supervisor.Outcome {
        try plan.seccomp.checkStartable()
        let filter: SeccompCompiler.Program
        if let cache = SeccompCache.forCurrentUser(environment: HostProbe.environment()) {
            filter = try cache.program(for: plan.seccomp, reportDenials: true)
        } else {
            filter = try SeccompCompiler.compile(plan.seccomp, reportDenials: true)
        }
        let supervisor = try Supervisor()
        defer { supervisor.close() }
        let sandbox = try Launcher.launch(plan, filter: filter, isRoot: isRoot)
        return supervisor.supervise(sandbox, plan: plan, denials: filter.denials)
    }
}
