#if canImport(Glibc)
import Glibc
#endif

/// Where `sandbox run`'s own time goes, for `scripts/bench.sh --stages` and anyone chasing a
/// slow start: with `SANDBOX_TRACE_STARTUP` set, each `mark` records a monotonic time stamp
/// and `flush` prints one line to stderr, `startup-trace: STAGE=MS ... total=MS`, each stage
/// timed from the mark before it. If the variable holds the caller's CLOCK_MONOTONIC
/// nanoseconds at spawn (the bench script sets it), the first stage, `main`, is the time from
/// spawn to `main`, which includes loading this binary.
/// Off (the default) a mark is one load and one branch; nothing is allocated.
public enum StartupTrace {
    nonisolated(unsafe) private static var enabled = false
    nonisolated(unsafe) private static var spawnedAt: UInt64 = 0
    nonisolated(unsafe) private static var marks: [(name: StaticString, at: UInt64)] = []

    /// Called once, first thing in `main`.
    public static func start() {
        guard let value = getenv("SANDBOX_TRACE_STARTUP") else { return }
        enabled = true
        marks.reserveCapacity(32)
        mark("main")
        // A spawn time is believed only if it lies in the last 10 s (else "main" is 0).
        if let spawned = UInt64(String(cString: value)), let now = marks.first?.at,
           spawned <= now, now - spawned < 10_000_000_000 {
            spawnedAt = spawned
        }
    }

    @inline(__always)
    public static func mark(_ name: StaticString) {
        guard enabled else { return }
        marks.append((name, Clock.monotonicNanoseconds()))
    }

    /// Prints the line (once; the marks are then dropped).
    public static func flush() {
        guard enabled, let first = marks.first else { return }
        let origin = spawnedAt > 0 ? spawnedAt : first.at
        var previous = origin
        var text = "startup-trace:"
        for mark in marks {
            text += " \(mark.name)=\(String(microseconds: mark.at - previous))"
            previous = mark.at
        }
        text += " total=\(String(microseconds: previous - origin))\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        marks.removeAll()
    }
}

private extension String {
    /// Milliseconds with three decimals, from nanoseconds.
    init(microseconds nanoseconds: UInt64) {
        let us = nanoseconds / 1000
        let fraction = String(us % 1000)
        self = "\(us / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
