import Foundation
import Testing
@testable import SandboxCore

/// The cgroup plan: a JSON golden, and failing closed on what the host cannot enforce.
struct CgroupPlanTests {
    func host(_ mode: CgroupHostInfo.Mode, _ controllers: [CgroupController], writable: Bool = true,
              swapAccounting: Bool? = true, hostHasSwap: Bool = false) -> CgroupHostInfo {
        CgroupHostInfo(mode: mode, root: "/sys/fs/cgroup", controllers: controllers, writable: writable,
                       swapAccounting: swapAccounting, hostHasSwap: hostHasSwap)
    }

    @Test func goldenPlanJSON() throws {
        let plan = try CgroupPlan.make(
            limits: CgroupLimits(memoryBytes: 1 << 30, pids: 512, cpu: try CPUQuota(cpus: 1.5)),
            host: host(.unified, [.memory, .pids, .cpu, .io]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(plan), as: UTF8.self)
        #expect(json == #"{"controllers":["memory","pids","cpu"],"limits":{"cpu":{"periodMicros":100000,"quotaMicros":150000},"io":[],"memoryBytes":1073741824,"pids":512,"swapBytes":0},"unenforced":[],"writes":[{"controller":"memory","file":"memory.max","value":"1073741824"},{"controller":"memory","file":"memory.swap.max","value":"0"},{"controller":"pids","file":"pids.max","value":"512"},{"controller":"cpu","file":"cpu.max","value":"150000 100000"}]}"#)
    }

    @Test func missingControllerFailsClosedNamingItAndTheWayOut() {
        let e = #expect(throws: SandboxError.self) {
            try CgroupPlan.make(limits: CgroupLimits(pids: 64), host: host(.legacy, [.memory, .cpu]))
        }
        #expect(e?.stage == .host)
        #expect(e?.exitCode == 125)
        #expect(e?.message.contains("controller `pids`") == true)
        #expect(e?.message.contains("--allow-unenforced pids") == true)
    }

    @Test func allowUnenforcedDropsTheLimitAndRecordsIt() throws {
        let plan = try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1 << 20, pids: 64),
                                       host: host(.unified, [.memory]), allowUnenforced: [.pids])
        #expect(plan.unenforced == [.pids])
        #expect(plan.limits.pids == nil)
        #expect(plan.writes.map(\.file) == ["memory.max", "memory.swap.max"])
    }

    @Test func notWritableFailsClosed() {
        let e = #expect(throws: SandboxError.self) {
            try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1), host: host(.unified, [.memory], writable: false))
        }
        #expect(e?.message.contains("not writable") == true)
    }

    @Test func noCgroupsAndNoLimitsIsAnEmptyPlan() throws {
        let plan = try CgroupPlan.make(limits: CgroupLimits(), host: host(.none, [], writable: false))
        #expect(plan.controllers == [])
        #expect(plan.writes == [])
    }

    @Test func swapWithoutAccountingOnAHostWithSwap() throws {
        let h = host(.legacy, [.memory], swapAccounting: false, hostHasSwap: true)
        let e = #expect(throws: SandboxError.self) { try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1 << 20), host: h) }
        #expect(e?.message.contains("limit `swap`") == true)
        // Allowing swap unenforced keeps the memory cap.
        let plan = try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1 << 20), host: h, allowUnenforced: [.swap])
        #expect(plan.unenforced == [.swap])
        #expect(plan.writes == [CgroupWrite(.memory, "memory.limit_in_bytes", "1048576")])
    }

    @Test func noSwapOnTheHostMeansNoSwapHoldsWithoutAccounting() throws {
        let h = host(.legacy, [.memory], swapAccounting: false, hostHasSwap: false)
        #expect(try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 4096), host: h).unenforced == [])
    }

    @Test func doctorView() {
        let h = host(.hybrid, [.memory, .cpu, .cpuacct, .freezer])
        #expect(h.enforceableLimits == [.memory, .swap, .cpu])
        #expect(h.unenforceableReason(.io)?.contains("`blkio`") == true)
    }
}
