import XCTest
@testable import SandboxCore

final class CgroupStatParserTests: XCTestCase {
    func testKeyedFiles() {
        // v2 memory.events
        let events = CgroupStatParser.keyed("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n")
        XCTAssertEqual(events["oom_kill"], 1)
        XCTAssertEqual(events["max"], 12)
        // v1 memory.oom_control
        XCTAssertEqual(CgroupStatParser.keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")["oom_kill"], 3)
        // v2 cpu.stat
        let cpu = CgroupStatParser.keyed("usage_usec 1500123\nuser_usec 1000000\nsystem_usec 500123\nnr_periods 10\nnr_throttled 4\nthrottled_usec 250000\n")
        XCTAssertEqual(cpu["usage_usec"], 1_500_123)
        XCTAssertEqual(cpu["throttled_usec"], 250_000)
        // v2 io.stat-like lines with more fields are skipped, not misread.
        XCTAssertEqual(CgroupStatParser.keyed("8:0 rbytes=1 wbytes=2\n"), [:])
    }

    func testNumbers() {
        XCTAssertEqual(CgroupStatParser.number("4096\n"), 4096)
        XCTAssertNil(CgroupStatParser.number("max\n"))
        XCTAssertNil(CgroupStatParser.number(""))
    }

    func testPidsAndControllers() {
        XCTAssertEqual(CgroupStatParser.pids("12\n345\n\n"), [12, 345])
        XCTAssertEqual(CgroupStatParser.controllers("cpuset cpu io memory hugetlb pids\n"),
                       ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"])
    }

    func testProcSwaps() {
        XCTAssertFalse(CgroupStatParser.hasActiveSwap("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"))
        XCTAssertTrue(CgroupStatParser.hasActiveSwap("Filename Type Size Used Priority\n/swapfile file 1048572 0 -2\n"))
    }

    func testUsageEncodesWithTheReportNames() throws {
        let usage = CgroupUsage(memoryPeakBytes: 1, cpuUsageMs: 2, pidsPeak: 3, oomKills: 4, cpuThrottledMs: 5)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        XCTAssertEqual(String(decoding: try encoder.encode(usage), as: UTF8.self),
                       #"{"cpu_throttled_ms":5,"cpu_usage_ms":2,"memory_peak_bytes":1,"oom_kills":4,"pids_peak":3,"pids_peak_is_lower_bound":false}"#)
    }
}
