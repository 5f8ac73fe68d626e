/// The effective resource limits of one run, already validated: what the write tables turn
/// into cgroup files. `nil` means "not limited".
public struct CgroupLimits: Codable, Equatable, Sendable {
    public var memoryBytes: UInt64?
    /// Swap allowed on top of `memoryBytes`. 0 (the default) turns swap off, so a run cannot
    /// slow the whole machine down by paging. Only meaningful with `memoryBytes`.
    public var swapBytes: UInt64
    public var pids: UInt64?
    public var cpu: CPUQuota?
    /// Per-device throttles. Empty when the device is not known (the planner cannot name the
    /// block device of a tmpfs or overlay); see docs/LIMITS.md.
    public var io: [IOThrottle]

    public init(memoryBytes: UInt64? = nil, swapBytes: UInt64 = 0, pids: UInt64? = nil,
                cpu: CPUQuota? = nil, io: [IOThrottle] = []) {
        self.memoryBytes = memoryBytes
        self.swapBytes = swapBytes
        self.pids = pids
        self.cpu = cpu
        self.io = io
    }

    /// The limits that are set, in a stable order.
    public var requested: [CgroupLimit] {
        var result: [CgroupLimit] = []
        if memoryBytes != nil { result += [.memory, .swap] }
        if pids != nil { result.append(.pids) }
        if cpu != nil { result.append(.cpu) }
        if !io.isEmpty { result.append(.io) }
        return result
    }

    /// These limits without `dropped` (what `--allow-unenforced` lets a run go without).
    /// Dropping `memory` drops `swap` too: v1 cannot cap swap without the memory limit.
    public func removing(_ dropped: Set<CgroupLimit>) -> CgroupLimits {
        var copy = self
        if dropped.contains(.memory) { copy.memoryBytes = nil; copy.swapBytes = 0 }
        if dropped.contains(.pids) { copy.pids = nil }
        if dropped.contains(.cpu) { copy.cpu = nil }
        if dropped.contains(.io) { copy.io = [] }
        return copy
    }
}

/// CFS bandwidth: at most `quotaMicros` of CPU time every `periodMicros` (cgroup v2 `cpu.max`,
/// v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`). `--cpus 1.5` is 150000 per 100000.
public struct CPUQuota: Codable, Equatable, Sendable {
    public var quotaMicros: UInt64
    public var periodMicros: UInt64

    /// The kernel refuses a quota under 1 ms and a period outside 1 ms ... 1 s.
    public static let minimumQuotaMicros: UInt64 = 1000
    public static let defaultPeriodMicros: UInt64 = 100_000

    public init(quotaMicros: UInt64, periodMicros: UInt64 = CPUQuota.defaultPeriodMicros) {
        self.quotaMicros = quotaMicros
        self.periodMicros = periodMicros
    }

    /// `cpus` CPUs' worth of time per period, rounded to the microsecond. Refuses what the
    /// kernel would refuse rather than silently rounding it up.
    public init(cpus: Double, periodMicros: UInt64 = CPUQuota.defaultPeriodMicros) throws(SandboxError) {
        guard cpus.isFinite, cpus > 0, cpus <= 4096 else {
            throw SandboxError(.usage, "cpus \(cpus): must be a number of CPUs greater than 0")
        }
        guard periodMicros >= 1000, periodMicros <= 1_000_000 else {
            throw SandboxError(.usage, "cpu period \(periodMicros) us: must be between 1000 and 1000000")
        }
        let quota = (cpus * Double(periodMicros)).rounded()
        guard quota >= Double(CPUQuota.minimumQuotaMicros) else {
            throw SandboxError(.usage, "cpus \(cpus): below the kernel's minimum quota of \(CPUQuota.minimumQuotaMicros) us per \(periodMicros) us period")
        }
        self.quotaMicros = UInt64(quota)
        self.periodMicros = periodMicros
    }
}

/// Throttles on one block device, by its major:minor numbers. `nil` fields are unlimited.
public struct IOThrottle: Codable, Equatable, Sendable {
    public var major: UInt32
    public var minor: UInt32
    public var readBytesPerSecond: UInt64?
    public var writeBytesPerSecond: UInt64?
    public var readIOPerSecond: UInt64?
    public var writeIOPerSecond: UInt64?

    public init(major: UInt32, minor: UInt32, readBytesPerSecond: UInt64? = nil, writeBytesPerSecond: UInt64? = nil,
                readIOPerSecond: UInt64? = nil, writeIOPerSecond: UInt64? = nil) {
        self.major = major
        self.minor = minor
        self.readBytesPerSecond = readBytesPerSecond
        self.writeBytesPerSecond = writeBytesPerSecond
        self.readIOPerSecond = readIOPerSecond
        self.writeIOPerSecond = writeIOPerSecond
    }

    public var device: String { "\(major):\(minor)" }
}
