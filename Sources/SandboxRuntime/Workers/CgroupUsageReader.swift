import SandboxCore

/// Live memory and CPU of a run from its cgroup directories (the record's `cgroup`), for
/// `ps` and `status`: whichever of the v2 and v1 files a directory has.
public enum CgroupUsageReader {
    public static func read(_ directories: [String]) -> (memoryBytes: UInt64?, cpuMs: UInt64?) {
        var memory: UInt64?, cpu: UInt64?
        for dir in directories {
            if memory == nil { memory = number(dir + "/memory.current") ?? number(dir + "/memory.usage_in_bytes") }
            if cpu == nil {
                if let usec = statField(dir + "/cpu.stat", "usage_usec") { cpu = usec / 1000 }
                else if let ns = number(dir + "/cpuacct.usage") { cpu = ns / 1_000_000 }
            }
        }
        return (memory, cpu)
    }

    static func number(_ path: String) -> UInt64? {
        guard let text = try? FileSystem.readText(path, limit: 4096, stage: .state) else { return nil }
        return UInt64(text.split(separator: "\n").first ?? "")
    }

    static func statField(_ path: String, _ key: String) -> UInt64? {
        guard let text = try? FileSystem.readText(path, limit: 1 << 16, stage: .state) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return UInt64(parts[1]) }
        }
        return nil
    }
}
