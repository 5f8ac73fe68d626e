import Foundation
import Testing
@testable import SandboxCore

/// Parsing what cgroup interface files hold, as the kernel writes them.
struct CgroupStatParserTests {
    @Test func keyedFiles() {
        // v2 memory.events
        let events = CgroupStatParser.keyed("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n")
        #expect(events["oom_kill"] == 1)
        #expect(events["max"] == 12)
        // v1 memory.oom_control
        #expect(CgroupStatParser.keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")["oom_kill"] == 3)
        // v2 cpu.stat
        let cpu = CgroupStatParser.keyed("usage_usec 1500123\nuser_usec 1000000\nsystem_usec 500123\nnr_periods 10\nnr_throttled 4\nthrottled_usec 250000\n")
        #expect(cpu["usage_usec"] == 1_500_123)
        #expect(cpu["throttled_usec"] == 250_000)
        // Lines with more fields (io.stat) are skipped, not misread.
        #expect(CgroupStatParser.keyed("8:0 rbytes=1 wbytes=2\n") == [:])
    }

    @Test func numbers() {
        #expect(CgroupStatParser.number("4096\n") == 4096)
        #expect(CgroupStatParser.number("max\n") == nil)
        #expect(CgroupStatParser.number("") == nil)
    }

    @Test func pidsAndControllers() {
        #expect(CgroupStatParser.pids("12\n345\n\n") == [12, 345])
        #expect(CgroupStatParser.controllers("cpuset cpu io memory hugetlb pids\n") == ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"])
        #expect(CgroupStatParser.word(" FROZEN\n") == "FROZEN")
    }

    @Test func procSwaps() {
        #expect(!CgroupStatParser.hasActiveSwap("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"))
        #expect(CgroupStatParser.hasActiveSwap("Filename Type Size Used Priority\n/swapfile file 1048572 0 -2\n"))
    }

    @Test func usageEncodesWithTheReportNamesAndNulls() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let usage = CgroupUsage(memoryPeakBytes: 1, cpuUsageMs: 2, pidsPeak: 3, oomKills: 4, cpuThrottledMs: 5)
        #expect(String(decoding: try encoder.encode(usage), as: UTF8.self) ==
                #"{"cpu_throttled_ms":5,"cpu_usage_ms":2,"memory_peak_bytes":1,"oom_kills":4,"pids_peak":3,"pids_peak_is_lower_bound":false}"#)
        #expect(String(decoding: try encoder.encode(CgroupUsage()), as: UTF8.self) ==
                #"{"cpu_throttled_ms":null,"cpu_usage_ms":null,"memory_peak_bytes":null,"oom_kills":null,"pids_peak":null,"pids_peak_is_lower_bound":false}"#)
    }
}
