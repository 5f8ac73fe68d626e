import Testing
@testable import SandboxCore

/// Goldens of the pure tables from limits to cgroup file writes, one per version.
struct CgroupWriteTableTests {
    let limits = CgroupLimits(
        memoryBytes: 128 << 20, pids: 64, cpu: CPUQuota(quotaMicros: 50_000),
        io: [IOThrottle(major: 8, minor: 0, readBytesPerSecond: 1_048_576, writeIOPerSecond: 100)])

    @Test func v2Golden() {
        #expect(CgroupWriteTable.v2(limits, swapAccounting: true) == [
            CgroupWrite(.memory, "memory.max", "134217728"),
            CgroupWrite(.memory, "memory.swap.max", "0"),
            CgroupWrite(.pids, "pids.max", "64"),
            CgroupWrite(.cpu, "cpu.max", "50000 100000"),
            CgroupWrite(.io, "io.max", "8:0 rbps=1048576 wiops=100"),
        ])
    }

    @Test func v1GoldenMemswIsMemoryPlusSwapAndComesAfterTheMemoryLimit() {
        var withSwap = limits
        withSwap.swapBytes = 1 << 20
        #expect(CgroupWriteTable.v1(withSwap, swapAccounting: true) == [
            CgroupWrite(.memory, "memory.limit_in_bytes", "134217728"),
            CgroupWrite(.memory, "memory.memsw.limit_in_bytes", "135266304"),
            CgroupWrite(.pids, "pids.max", "64"),
            CgroupWrite(.cpu, "cpu.cfs_period_us", "100000"),
            CgroupWrite(.cpu, "cpu.cfs_quota_us", "50000"),
            CgroupWrite(.blkio, "blkio.throttle.read_bps_device", "8:0 1048576"),
            CgroupWrite(.blkio, "blkio.throttle.write_iops_device", "8:0 100"),
        ])
    }

    @Test func withoutSwapAccountingTheSwapWriteIsLeftOut() {
        #expect(!CgroupWriteTable.v2(limits, swapAccounting: false).contains { $0.file == "memory.swap.max" })
        #expect(!CgroupWriteTable.v1(limits, swapAccounting: false).contains { $0.file.contains("memsw") })
    }

    @Test func noLimitsNoWrites() {
        #expect(CgroupWriteTable.v2(CgroupLimits(), swapAccounting: true) == [])
        #expect(CgroupWriteTable.v1(CgroupLimits(), swapAccounting: true) == [])
    }

    @Test func cpuQuotaFromCPUs() throws {
        #expect(try CPUQuota(cpus: 1.5) == CPUQuota(quotaMicros: 150_000, periodMicros: 100_000))
        #expect(try CPUQuota(cpus: 0.5) == CPUQuota(quotaMicros: 50_000))
        #expect(throws: SandboxError.self) { try CPUQuota(cpus: 0) }
        #expect(throws: SandboxError.self) { try CPUQuota(cpus: .nan) }
        // 0.005 CPU is 500 us per 100 ms: under the kernel's 1 ms minimum, refused, not rounded up.
        let error = #expect(throws: SandboxError.self) { try CPUQuota(cpus: 0.005) }
        #expect(error?.message.contains("minimum quota") == true)
    }

    @Test func requestedAndRemoving() {
        #expect(limits.requested == [.memory, .swap, .pids, .cpu, .io])
        let dropped = limits.removing([.memory, .io])
        #expect(dropped.memoryBytes == nil)
        #expect(dropped.io == [])
        #expect(dropped.requested == [.pids, .cpu])
    }

    @Test func accountingControllersAreAddedWhenTheHostHasThem() {
        let v1 = CgroupHostInfo(mode: .legacy, root: "/c", controllers: [.memory, .pids, .cpu, .cpuacct, .freezer, .blkio],
                                writable: true, swapAccounting: true, hostHasSwap: false)
        #expect(CgroupWriteTable.controllers(for: [], host: v1) == [.memory, .pids, .cpu, .cpuacct, .freezer])
        let v2 = CgroupHostInfo(mode: .unified, root: "/c", controllers: [.memory, .cpu, .io],
                                writable: true, swapAccounting: nil, hostHasSwap: false)
        #expect(CgroupWriteTable.controllers(for: [CgroupWrite(.io, "io.max", "8:0 rbps=1")], host: v2) == [.memory, .cpu, .io])
    }
}
