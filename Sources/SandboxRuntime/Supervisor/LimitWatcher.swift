#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// `limit_hit` events as they happen, from the run's cgroup: the kernel notifies a poller
/// when `memory.events` or `pids.events` changes on v2 (POLLPRI), and signals an eventfd
/// registered on `memory.oom_control` through `cgroup.event_control` when v1's OOM killer
/// acts. v1's `pids.events` notifies nobody: the counters are also read again at most every
/// `refreshInterval` (the loop wakes up at least that often while the watcher has files).
/// Only when `--events` is given: otherwise nothing is opened.
final class LimitWatcher {
    struct Watch {
        var fd: Int32
        var path: String
        /// The counters last read ("max", "oom_kill", ...), to report only what changed.
        var counters: [String: UInt64]
        var isOOMEventFD: Bool
    }

    private(set) var watches: [Watch] = []
    static let refreshInterval: UInt64 = 1_000_000_000
    private var lastRefresh: UInt64 = 0

    /// Whether there are counter files to read again now and then.
    var hasCounters: Bool { watches.contains { !$0.isOOMEventFD } }

    init(cgroupDirectories: [String]) {
        for dir in cgroupDirectories {
            for name in ["memory.events", "pids.events"] {
                let path = dir + "/" + name
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                watches.append(Watch(fd: fd, path: path, counters: Self.counters(fd), isOOMEventFD: false))
            }
            registerV1OOM(dir)
        }
    }

    deinit { for w in watches { close(w.fd) } }

    /// v1: an eventfd the kernel signals on each OOM in the cgroup (cgroup-v1/memory.rst).
    private func registerV1OOM(_ dir: String) {
        let control = open(dir + "/memory.oom_control", O_RDONLY | O_CLOEXEC)
        guard control >= 0 else { return }
        defer { close(control) }
        let efd = sbx_eventfd()
        guard efd >= 0 else { return }
        do {
            try FileSystem.write("\(efd) \(control)", to: dir + "/cgroup.event_control", stage: .supervise)
            watches.append(Watch(fd: efd, path: dir + "/memory.oom_control", counters: [:], isOOMEventFD: true))
        } catch {
            close(efd)
        }
    }

    func pollEntries() -> [pollfd] {
        watches.map { pollfd(fd: $0.fd, events: Int16($0.isOOMEventFD ? POLLIN : POLLPRI), revents: 0) }
    }

    /// What changed, as (limit, detail, count) for the events stream.
    func handle(_ entries: ArraySlice<pollfd>) -> [(limit: String, detail: String, count: Int)] {
        var hits: [(limit: String, detail: String, count: Int)] = []
        for (i, entry) in zip(watches.indices, entries) where entry.revents != 0 {
            if watches[i].isOOMEventFD {
                var value: UInt64 = 0
                if read(watches[i].fd, &value, 8) == 8 {
                    hits.append(("memory", "the OOM killer acted in `\(watches[i].path)`", Int(value)))
                }
            } else {
                hits += changes(i)
            }
        }
        return hits + refresh()
    }

    /// Reads the counter files again, at most every `refreshInterval`.
    func refresh(force: Bool = false) -> [(limit: String, detail: String, count: Int)] {
        let now = Clock.monotonicNanoseconds()
        guard force || now - lastRefresh >= Self.refreshInterval else { return [] }
        lastRefresh = now
        return watches.indices.filter { !watches[$0].isOOMEventFD }.flatMap(changes)
    }

    private func changes(_ i: Int) -> [(limit: String, detail: String, count: Int)] {
        let now = Self.counters(watches[i].fd)
        let limit = watches[i].path.hasSuffix("pids.events") ? "pids" : "memory"
        var hits: [(limit: String, detail: String, count: Int)] = []
        for (key, value) in now.sorted(by: { $0.key < $1.key }) where value > (watches[i].counters[key] ?? 0) {
            let delta = Int(value - (watches[i].counters[key] ?? 0))
            let detail = key == "max" ? (limit == "pids" ? "fork refused at the pids limit" : "usage reached memory.max")
                : "\(key) in `\(watches[i].path)`"
            hits.append((limit, detail, delta))
        }
        watches[i].counters = now
        return hits
    }

    /// "max 3\noom_kill 1\n" -> counters (read again from the start: kernfs files re-arm
    /// their notification on each read).
    static func counters(_ fd: Int32) -> [String: UInt64] {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return [:] }
        var result: [String: UInt64] = [:]
        for line in String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { result[String(parts[0])] = value }
        }
        return result
    }
}
