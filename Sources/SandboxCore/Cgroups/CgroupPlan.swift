/// The cgroup part of a run's plan: what is enforced, what the caller allowed to go
/// unenforced, and the exact writes. Pure; `sandbox plan` shows it, the driver executes it.
public struct CgroupPlan: Codable, Equatable, Sendable {
    /// The limits that will be enforced (the report's `limits`).
    public var limits: CgroupLimits
    /// Limits asked for but not enforceable here, let through by `--allow-unenforced`.
    public var unenforced: [CgroupLimit]
    /// Controllers the run's cgroup is created with (v2: enabled in subtree_control down to
    /// it; v1: one directory per hierarchy).
    public var controllers: [CgroupController]
    public var writes: [CgroupWrite]

    public init(limits: CgroupLimits, unenforced: [CgroupLimit], controllers: [CgroupController], writes: [CgroupWrite]) {
        self.limits = limits
        self.unenforced = unenforced
        self.controllers = controllers
        self.writes = writes
    }

    /// The report's `limits`: the effective values in the CLI's units.
    public struct Summary: Codable, Equatable, Sendable {
        public var memoryBytes: UInt64?
        public var swapBytes: UInt64?
        public var pids: UInt64?
        public var cpus: Double?
        public var unenforced: [CgroupLimit]

        enum CodingKeys: String, CodingKey {
            case memoryBytes = "memory_bytes"
            case swapBytes = "swap_bytes"
            case pids, cpus, unenforced
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(memoryBytes, forKey: .memoryBytes)
            try c.encode(swapBytes, forKey: .swapBytes)
            try c.encode(pids, forKey: .pids)
            try c.encode(cpus, forKey: .cpus)
            try c.encode(unenforced, forKey: .unenforced)
        }
    }

    public var summary: Summary {
        Summary(memoryBytes: limits.memoryBytes, swapBytes: limits.memoryBytes == nil ? nil : limits.swapBytes,
                pids: limits.pids, cpus: limits.cpu.map { Double($0.quotaMicros) / Double($0.periodMicros) },
                unenforced: unenforced)
    }

    /// Fails closed: a requested limit the host cannot enforce is an error naming the
    /// controller and the way out, unless it is in `allowUnenforced`.
    public static func make(limits: CgroupLimits, host: CgroupHostInfo,
                            allowUnenforced: Set<CgroupLimit> = []) throws(SandboxError) -> CgroupPlan {
        var dropped: [CgroupLimit] = []
        for limit in limits.requested {
            guard let reason = host.unenforceableReason(limit) else { continue }
            guard allowUnenforced.contains(limit) else {
                throw SandboxError(.host, "limit `\(limit.rawValue)` cannot be enforced: \(reason); fix the host or pass --allow-unenforced \(limit.rawValue)")
            }
            dropped.append(limit)
        }
        // Swap alone may be unenforceable while memory is fine: keep the memory cap, skip the
        // swap write (the table omits it when accounting is off).
        let effective = limits.removing(Set(dropped).subtracting([.swap]))
        let writes = CgroupWriteTable.writes(for: effective, host: host)
        // Usage accounting needs a cgroup even without limits, when the host lets us make one.
        let controllers = host.writable ? CgroupWriteTable.controllers(for: writes, host: host) : []
        return CgroupPlan(limits: effective, unenforced: dropped, controllers: controllers, writes: writes)
    }
}
