#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Enforces a run's wall-clock and CPU timeouts from the supervisor's poll loop: when one
/// fires, SIGTERM goes to every process of the run; when the grace period is over, SIGKILL
/// goes to the PID namespace's init (the kernel then kills everything in the namespace) and
/// to the run's cgroup. A process that forks, starts a new session or ignores SIGTERM still
/// dies at the deadline plus the grace period.
final class RunDeadlines {
    let plan: TimeoutPlan
    let cgroup: (any CgroupRun)?
    let start: UInt64
    /// How often CPU usage is sampled while a CPU timeout is armed.
    static let cpuSampleMs: UInt64 = 100

    private(set) var fired: (kind: TimeoutPlan.Kind, seconds: Double)?
    private var killAt: UInt64?
    private var killed = false

    init(plan: TimeoutPlan, cgroup: (any CgroupRun)?, start: UInt64 = Clock.monotonicNanoseconds()) {
        self.plan = plan
        self.cgroup = cgroup
        self.start = start
    }

    /// The poll timeout until the next thing to do, in ms (-1: nothing armed).
    func pollTimeout(now: UInt64 = Clock.monotonicNanoseconds()) -> Int32 {
        var next: UInt64?
        func consider(_ t: UInt64) { next = min(next ?? t, t) }
        if let killAt, !killed { consider(killAt) }
        if fired == nil {
            if let wall = plan.wallSeconds { consider(start + UInt64(wall * 1e9)) }
            if plan.cpuSeconds != nil { consider(now + Self.cpuSampleMs * 1_000_000) }
        }
        guard let next else { return -1 }
        return next <= now ? 0 : Int32(min((next - now + 999_999) / 1_000_000, UInt64(Int32.max)))
    }

    /// Acts on whatever is due.
    func check(_ sandbox: LaunchedSandbox, now: UInt64 = Clock.monotonicNanoseconds()) {
        if fired == nil {
            if let wall = plan.wallSeconds, now >= start + UInt64(wall * 1e9) {
                fire(.wall, seconds: wall, sandbox, now: now)
            } else if let cpu = plan.cpuSeconds, let used = cgroup?.usage().cpuUsageMs, Double(used) >= cpu * 1000 {
                fire(.cpu, seconds: cpu, sandbox, now: now)
            }
        }
        if let killAt, !killed, now >= killAt {
            killed = true
            _ = sbx_pidfd_send_signal(sandbox.pidfd, SIGKILL)
            cgroup?.killAll()
        }
    }

    private func fire(_ kind: TimeoutPlan.Kind, seconds: Double, _ sandbox: LaunchedSandbox, now: UInt64) {
        fired = (kind, seconds)
        killAt = now + UInt64(plan.graceSeconds * 1e9)
        // The init forwards SIGTERM to the command; every other process of the run gets it
        // from its cgroup's list.
        _ = sbx_pidfd_send_signal(sandbox.pidfd, SIGTERM)
        for pid in processes() { kill(pid, SIGTERM) }
    }

    /// The run's processes (v1 and v2 both list them in cgroup.procs).
    private func processes() -> [Int32] {
        guard let dir = cgroup?.paths.first,
              let text = try? FileSystem.readText(dir + "/cgroup.procs") else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }
}
