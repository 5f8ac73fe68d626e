/// What a run used, read from its cgroup's counters. `nil` means the backend does not say.
public struct CgroupUsage: Codable, Equatable, Sendable {
    /// v2 `memory.peak` (Linux 5.19+), v1 `memory.max_usage_in_bytes`.
    public var memoryPeakBytes: UInt64?
    /// v2 `cpu.stat usage_usec`, v1 `cpuacct.usage`.
    public var cpuUsageMs: UInt64?
    /// `pids.peak` where the kernel keeps it (6.12+); otherwise the largest `pids.current` seen
    /// when sampled, raised to `pids.max` when `pids.events` shows the limit was hit. In that
    /// case `pidsPeakIsLowerBound` is true: short bursts between samples are not seen.
    public var pidsPeak: UInt64?
    public var pidsPeakIsLowerBound: Bool
    /// OOM kills inside the run: v2 `memory.events oom_kill`, v1 `memory.oom_control oom_kill`.
    public var oomKills: UInt64?
    /// Time the run waited for CPU quota: v2 `cpu.stat throttled_usec`, v1 `cpu.stat throttled_time`.
    public var cpuThrottledMs: UInt64?

    public init(memoryPeakBytes: UInt64? = nil, cpuUsageMs: UInt64? = nil, pidsPeak: UInt64? = nil,
                pidsPeakIsLowerBound: Bool = false, oomKills: UInt64? = nil, cpuThrottledMs: UInt64? = nil) {
        self.memoryPeakBytes = memoryPeakBytes
        self.cpuUsageMs = cpuUsageMs
        self.pidsPeak = pidsPeak
        self.pidsPeakIsLowerBound = pidsPeakIsLowerBound
        self.oomKills = oomKills
        self.cpuThrottledMs = cpuThrottledMs
    }

    enum CodingKeys: String, CodingKey {
        case memoryPeakBytes = "memory_peak_bytes"
        case cpuUsageMs = "cpu_usage_ms"
        case pidsPeak = "pids_peak"
        case pidsPeakIsLowerBound = "pids_peak_is_lower_bound"
        case oomKills = "oom_kills"
        case cpuThrottledMs = "cpu_throttled_ms"
    }

    // Every field present, null when unknown, as the report schema shows them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(memoryPeakBytes, forKey: .memoryPeakBytes)
        try c.encode(cpuUsageMs, forKey: .cpuUsageMs)
        try c.encode(pidsPeak, forKey: .pidsPeak)
        try c.encode(pidsPeakIsLowerBound, forKey: .pidsPeakIsLowerBound)
        try c.encode(oomKills, forKey: .oomKills)
        try c.encode(cpuThrottledMs, forKey: .cpuThrottledMs)
    }
}
