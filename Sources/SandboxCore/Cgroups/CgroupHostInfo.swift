/// What the host's cgroups offer the runner: gathered once by the runtime's driver and passed
/// in as a value (part of the host facts; `sandbox doctor` prints it).
public struct CgroupHostInfo: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable {
        /// Pure cgroup v2 mounted at the root.
        case unified = "v2"
        /// v1 controller hierarchies plus a cgroup2 mount (usually `unified/`) without them.
        case hybrid
        /// v1 controller hierarchies only.
        case legacy = "v1"
        /// No cgroup filesystem: nothing can be limited.
        case none
    }

    public var mode: Mode
    /// Where the cgroup filesystem is mounted (production: /sys/fs/cgroup).
    public var root: String
    /// Controllers the runner can use for its `sandbox` subtree, sorted.
    public var controllers: [CgroupController]
    /// The runner may create cgroups (root, or a delegated subtree).
    public var writable: Bool
    /// Swap can be capped: v2 `memory.swap.max` / v1 `memory.memsw.limit_in_bytes` exists.
    /// `nil` when it cannot be known before a cgroup is made (v2 shows the file only below the root).
    public var swapAccounting: Bool?
    /// The host has active swap (/proc/swaps). Without swap, "no swap" holds trivially.
    public var hostHasSwap: Bool

    public init(mode: Mode, root: String, controllers: [CgroupController], writable: Bool,
                swapAccounting: Bool?, hostHasSwap: Bool) {
        self.mode = mode
        self.root = root
        self.controllers = controllers.sorted()
        self.writable = writable
        self.swapAccounting = swapAccounting
        self.hostHasSwap = hostHasSwap
    }

    /// No cgroup filesystem known (the default of host facts gathered without a driver).
    public static let unavailable = CgroupHostInfo(
        mode: .none, root: "/sys/fs/cgroup", controllers: [], writable: false, swapAccounting: nil, hostHasSwap: false)

    /// The controller whose files enforce `limit` in this mode.
    public func controller(for limit: CgroupLimit) -> CgroupController {
        switch limit {
        case .memory, .swap: return .memory
        case .pids: return .pids
        case .cpu: return .cpu
        case .io: return mode == .unified ? .io : .blkio
        }
    }

    /// Why `limit` cannot be enforced here, or nil when it can.
    public func unenforceableReason(_ limit: CgroupLimit) -> String? {
        let where_ = mode == .unified ? "cgroup v2 at `\(root)`" : "cgroup v1 under `\(root)`"
        if mode == .none { return "no cgroup filesystem is mounted at `\(root)`" }
        if !writable { return "\(where_) is not writable by this user (run as root, or delegate a subtree)" }
        let controller = controller(for: limit)
        guard controllers.contains(controller) else {
            return mode == .unified
                ? "controller `\(controller.rawValue)` is not in `\(root)/cgroup.controllers` (enable it in the parent's cgroup.subtree_control)"
                : "controller `\(controller.rawValue)` has no v1 hierarchy at `\(root)/\(controller.rawValue)` (mount it)"
        }
        if limit == .swap, hostHasSwap, swapAccounting == false {
            return "the host has swap but the kernel does not account it per cgroup (boot with swapaccount=1)"
        }
        return nil
    }

    public var enforceableLimits: [CgroupLimit] {
        CgroupLimit.allCases.filter { unenforceableReason($0) == nil }
    }
}
