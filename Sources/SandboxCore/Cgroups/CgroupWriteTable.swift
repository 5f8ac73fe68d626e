/// The pure tables from effective limits to ordered cgroup file writes, one per cgroup version.
/// This is the only place that knows file names of limits; the drivers only execute the writes.
public enum CgroupWriteTable {
    /// The writes for `limits` on a host in `host.mode`.
    public static func writes(for limits: CgroupLimits, host: CgroupHostInfo) -> [CgroupWrite] {
        switch host.mode {
        case .unified: return v2(limits, swapAccounting: host.swapAccounting != false)
        case .legacy, .hybrid: return v1(limits, swapAccounting: host.swapAccounting == true)
        case .none: return []
        }
    }

    /// cgroup v2 (Documentation/admin-guide/cgroup-v2.rst). "max" is the kernel's "unlimited".
    public static func v2(_ limits: CgroupLimits, swapAccounting: Bool) -> [CgroupWrite] {
        var result: [CgroupWrite] = []
        if let memory = limits.memoryBytes {
            result.append(CgroupWrite(.memory, "memory.max", String(memory)))
            // Separate from memory.max in v2: the swap on top of it, 0 = none.
            if swapAccounting { result.append(CgroupWrite(.memory, "memory.swap.max", String(limits.swapBytes))) }
        }
        if let pids = limits.pids { result.append(CgroupWrite(.pids, "pids.max", String(pids))) }
        if let cpu = limits.cpu {
            result.append(CgroupWrite(.cpu, "cpu.max", "\(cpu.quotaMicros) \(cpu.periodMicros)"))
        }
        // io.max takes one device per write; unset keys keep "max".
        for device in limits.io {
            var keys: [String] = []
            if let v = device.readBytesPerSecond { keys.append("rbps=\(v)") }
            if let v = device.writeBytesPerSecond { keys.append("wbps=\(v)") }
            if let v = device.readIOPerSecond { keys.append("riops=\(v)") }
            if let v = device.writeIOPerSecond { keys.append("wiops=\(v)") }
            guard !keys.isEmpty else { continue }
            result.append(CgroupWrite(.io, "io.max", ([device.device] + keys).joined(separator: " ")))
        }
        return result
    }

    /// cgroup v1 (Documentation/admin-guide/cgroup-v1/). Each controller is its own hierarchy.
    public static func v1(_ limits: CgroupLimits, swapAccounting: Bool) -> [CgroupWrite] {
        var result: [CgroupWrite] = []
        if let memory = limits.memoryBytes {
            result.append(CgroupWrite(.memory, "memory.limit_in_bytes", String(memory)))
            // v1 caps memory+swap together, and refuses a memsw limit below the memory limit:
            // so it comes second, as runc orders them for a new cgroup.
            if swapAccounting {
                let (sum, overflow) = memory.addingReportingOverflow(limits.swapBytes)
                result.append(CgroupWrite(.memory, "memory.memsw.limit_in_bytes", overflow ? "-1" : String(sum)))
            }
        }
        if let pids = limits.pids { result.append(CgroupWrite(.pids, "pids.max", String(pids))) }
        if let cpu = limits.cpu {
            // Period first: a fresh cgroup has quota -1, so any period is accepted.
            result.append(CgroupWrite(.cpu, "cpu.cfs_period_us", String(cpu.periodMicros)))
            result.append(CgroupWrite(.cpu, "cpu.cfs_quota_us", String(cpu.quotaMicros)))
        }
        for device in limits.io {
            let pairs: [(String, UInt64?)] = [
                ("blkio.throttle.read_bps_device", device.readBytesPerSecond),
                ("blkio.throttle.write_bps_device", device.writeBytesPerSecond),
                ("blkio.throttle.read_iops_device", device.readIOPerSecond),
                ("blkio.throttle.write_iops_device", device.writeIOPerSecond),
            ]
            for (file, value) in pairs {
                if let value { result.append(CgroupWrite(.blkio, file, "\(device.device) \(value)")) }
            }
        }
        return result
    }

    /// The controllers a run's cgroup needs: those the writes touch, plus those that only
    /// account (usage in the report) or help end the run (v1 freezer), when the host has them.
    public static func controllers(for writes: [CgroupWrite], host: CgroupHostInfo) -> [CgroupController] {
        let accounting: [CgroupController]
        switch host.mode {
        case .unified: accounting = [.memory, .pids, .cpu]
        case .legacy, .hybrid: accounting = [.memory, .pids, .cpu, .cpuacct, .freezer]
        case .none: accounting = []
        }
        var set = Set(writes.map(\.controller))
        for c in accounting where host.controllers.contains(c) { set.insert(c) }
        return set.sorted()
    }
}
