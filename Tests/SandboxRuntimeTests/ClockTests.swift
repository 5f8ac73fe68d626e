#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxRuntime

/// Report time stamps are formatted without gmtime_r (which loads /etc/localtime on first
/// use); the date arithmetic must agree with glibc's for every day, leap years and the
/// years before 1970 included.
struct ClockTests {
    @Test func civilDateAgreesWithGmtime() {
        var days: [Int64] = Array(stride(from: -800_000, through: 800_000, by: 37))
        // 1900-02-28/03-01, 2000-02-29, 2100-02-28/03-01, the epoch and the day before it.
        days += [-25_509, -25_508, 11_016, 11_017, 47_540, 47_541, 0, -1]
        for day in days {
            var seconds = time_t(day * 86_400)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let civil = Clock.civilDate(daysSinceEpoch: day)
            #expect(civil.year == Int64(parts.tm_year) + 1900 && civil.month == Int64(parts.tm_mon) + 1
                    && civil.day == Int64(parts.tm_mday), "day \(day): \(civil) against \(parts)")
        }
    }

    @Test func rfc3339NowIsUTCWithMilliseconds() {
        var before = timespec()
        clock_gettime(CLOCK_REALTIME, &before)
        let text = Clock.rfc3339Now()
        var seconds = before.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let prefix = format4(Int(parts.tm_year) + 1900) + "-" + two(Int(parts.tm_mon) + 1) + "-" + two(Int(parts.tm_mday)) + "T"
        #expect(text.hasPrefix(prefix), "\(text)")
        #expect(text.count == 24 && text.hasSuffix("Z"), "\(text)")
    }

    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    func format4(_ v: Int) -> String { String(repeating: "0", count: max(0, 4 - String(v).count)) + String(v) }
}
