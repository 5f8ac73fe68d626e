import SandboxCore

/// The one place that chooses the cgroup backend, from what is really mounted (statfs), as
/// runc's `cgroups.IsCgroup2UnifiedMode` and crun's `libcrun_get_cgroup_mode` do. The result is
/// not cached: each command asks once and passes the driver (and its `info`) along.
public enum CgroupDriverFactory {
    /// linux/magic.h
    static let cgroup2SuperMagic = 0x6367_7270
    static let cgroupSuperMagic = 0x0027_e0eb

    public static func make(root: String = "/sys/fs/cgroup", subtree: String = "sandbox",
                            procSwaps: String = "/proc/swaps") -> any CgroupDriver {
        let v1Types = CgroupController.v1.map { CgroupFiles.filesystemType("\(root)/\($0.rawValue)") }
        switch mode(rootType: CgroupFiles.filesystemType(root),
                    unifiedType: CgroupFiles.filesystemType(root + "/unified"), v1Types: v1Types) {
        case .unified: return CgroupV2Driver(root: root, subtree: subtree, procSwaps: procSwaps)
        case .hybrid: return CgroupV1Driver(root: root, subtree: subtree, procSwaps: procSwaps, hybrid: true)
        case .legacy: return CgroupV1Driver(root: root, subtree: subtree, procSwaps: procSwaps, hybrid: false)
        case .none: return CgroupUnavailableDriver(root: root)
        }
    }

    /// cgroup2 at the root is pure v2. Otherwise (tmpfs at the root) any v1 controller
    /// hierarchy makes it legacy, or hybrid when a cgroup2 is mounted at `unified/` too. A
    /// hybrid host's cgroup2 usually holds no controller, so v1 is the backend for both.
    static func mode(rootType: Int?, unifiedType: Int?, v1Types: [Int?]) -> CgroupHostInfo.Mode {
        if rootType == cgroup2SuperMagic { return .unified }
        guard v1Types.contains(cgroupSuperMagic) else { return .none }
        return unifiedType == cgroup2SuperMagic ? .hybrid : .legacy
    }
}
