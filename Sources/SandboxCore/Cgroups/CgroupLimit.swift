/// A resource limit a cgroup enforces, by the name the CLI and the report use
/// (`--allow-unenforced memory`, report `limits.memory`).
public enum CgroupLimit: String, Codable, CaseIterable, Comparable, Sendable {
    case memory
    /// Swap on top of `memory`. Implied whenever `memory` is set (swap off by default).
    case swap
    case pids, cpu, io

    public static func < (a: CgroupLimit, b: CgroupLimit) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
