import SandboxCore
import Synchronization

/// The peak task count of a run. Kernels since 6.12 keep `pids.peak`; older ones (Debian 12's
/// 6.1) only have `pids.current`, so this keeps the largest value seen across samples and, when
/// `pids.events` shows a fork was refused at the limit, raises it to `pids.max` (the count
/// reached the limit at that moment). Both versions have the same files, so one type serves both.
final class CgroupPidsPeak: Sendable {
    private let directory: String
    private let sampled = Mutex<UInt64>(0)

    init(directory: String) {
        self.directory = directory
    }

    /// Records the current count; call while the run lives.
    func sample() {
        guard let current = CgroupStatParser.number(CgroupFiles.read(directory + "/pids.current") ?? "") else { return }
        sampled.withLock { $0 = max($0, current) }
    }

    /// (peak, isLowerBound), or nil when the controller's files are absent.
    func read() -> (UInt64, Bool)? {
        if let peak = CgroupStatParser.number(CgroupFiles.read(directory + "/pids.peak") ?? "") {
            return (peak, false)
        }
        sample()
        guard CgroupFiles.exists(directory + "/pids.current") else { return nil }
        var peak = sampled.withLock { $0 }
        let events = CgroupStatParser.keyed(CgroupFiles.read(directory + "/pids.events") ?? "")
        if let refused = events["max"], refused > 0,
           let limit = CgroupStatParser.number(CgroupFiles.read(directory + "/pids.max") ?? "") {
            peak = max(peak, limit)
        }
        return (peak, true)
    }
}
