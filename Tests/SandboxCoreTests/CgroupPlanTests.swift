import XCTest
@testable import SandboxCore

final class CgroupPlanTests: XCTestCase {
    func host(_ mode: CgroupHostInfo.Mode, _ controllers: [CgroupController], writable: Bool = true,
              swapAccounting: Bool? = true, hostHasSwap: Bool = false) -> CgroupHostInfo {
        CgroupHostInfo(mode: mode, root: "/sys/fs/cgroup", controllers: controllers, writable: writable,
                       swapAccounting: swapAccounting, hostHasSwap: hostHasSwap)
    }

    func testGoldenPlanJSON() throws {
        let plan = try CgroupPlan.make(
            limits: CgroupLimits(memoryBytes: 1 << 30, pids: 512, cpu: try CPUQuota(cpus: 1.5)),
            host: host(.unified, [.memory, .pids, .cpu, .io]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(plan), as: UTF8.self)
        XCTAssertEqual(json, #"{"controllers":["memory","pids","cpu"],"limits":{"cpu":{"periodMicros":100000,"quotaMicros":150000},"io":[],"memoryBytes":1073741824,"pids":512,"swapBytes":0},"unenforced":[],"writes":[{"controller":"memory","file":"memory.max","value":"1073741824"},{"controller":"memory","file":"memory.swap.max","value":"0"},{"controller":"pids","file":"pids.max","value":"512"},{"controller":"cpu","file":"cpu.max","value":"150000 100000"}]}"#)
    }

    func testMissingControllerFailsClosedNamingItAndTheWayOut() {
        XCTAssertThrowsError(try CgroupPlan.make(limits: CgroupLimits(pids: 64), host: host(.legacy, [.memory, .cpu]))) { error in
            let e = error as! SandboxError
            XCTAssertEqual(e.stage, .host)
            XCTAssertEqual(e.exitCode, 125)
            XCTAssertTrue(e.message.contains("controller `pids`"), e.message)
            XCTAssertTrue(e.message.contains("--allow-unenforced pids"), e.message)
        }
    }

    func testAllowUnenforcedDropsTheLimitAndRecordsIt() throws {
        let plan = try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1 << 20, pids: 64),
                                       host: host(.unified, [.memory]), allowUnenforced: [.pids])
        XCTAssertEqual(plan.unenforced, [.pids])
        XCTAssertNil(plan.limits.pids)
        XCTAssertEqual(plan.writes.map(\.file), ["memory.max", "memory.swap.max"])
    }

    func testNotWritableFailsClosed() {
        XCTAssertThrowsError(try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1), host: host(.unified, [.memory], writable: false))) {
            XCTAssertTrue("\($0)".contains("not writable"), "\($0)")
        }
    }

    func testNoCgroupsAndNoLimitsIsAnEmptyPlan() throws {
        let plan = try CgroupPlan.make(limits: CgroupLimits(), host: host(.none, [], writable: false))
        XCTAssertEqual(plan.controllers, [])
        XCTAssertEqual(plan.writes, [])
    }

    func testSwapWithoutAccountingOnAHostWithSwap() throws {
        let h = host(.legacy, [.memory], swapAccounting: false, hostHasSwap: true)
        XCTAssertThrowsError(try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1 << 20), host: h)) {
            XCTAssertTrue("\($0)".contains("limit `swap`"), "\($0)")
        }
        // Allowing swap unenforced keeps the memory cap.
        let plan = try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 1 << 20), host: h, allowUnenforced: [.swap])
        XCTAssertEqual(plan.unenforced, [.swap])
        XCTAssertEqual(plan.writes, [CgroupWrite(.memory, "memory.limit_in_bytes", "1048576")])
    }

    func testNoSwapOnTheHostMeansNoSwapHoldsWithoutAccounting() throws {
        let h = host(.legacy, [.memory], swapAccounting: false, hostHasSwap: false)
        XCTAssertEqual(try CgroupPlan.make(limits: CgroupLimits(memoryBytes: 4096), host: h).unenforced, [])
    }

    func testDoctorView() {
        let h = host(.hybrid, [.memory, .cpu, .cpuacct, .freezer])
        XCTAssertEqual(h.enforceableLimits, [.memory, .swap, .cpu])
        XCTAssertTrue(h.unenforceableReason(.io)!.contains("`blkio`"))
    }
}
