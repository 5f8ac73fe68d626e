/// Everything the child will do, already resolved. `sandbox plan` prints it; golden tests
/// compare it; the runtime only executes it.
public struct SandboxPlan: Codable, Equatable, Sendable {
    public var worker: String
    public var worktree: String
    public var profile: String
    public var argv: [String]
    /// "NAME=VALUE", sorted by name.
    public var environment: [String]
    /// PATH used to find argv[0] inside the sandbox.
    public var searchPath: String
    public var workingDirectory: String
    public var namespaces: [Namespace]
    public var identity: IdentityMapping
    public var hostname: String
    public var loopbackUp: Bool
    public var root: RootSpec
    public var mounts: [MountStep]
    public var rlimits: [ResourceLimit]
    /// The run's cgroup: enforced limits and the exact file writes.
    public var cgroup: CgroupPlan
    public var seccomp: SeccompPolicy
    public var capabilities: [String]
    public var newSession: Bool
    public var tty: Bool
    public var timeouts: TimeoutPlan = TimeoutPlan()
}

public enum Namespace: String, Codable, Equatable, Sendable, CaseIterable {
    case user, mount, pid, network, uts, ipc, cgroup
}

/// How ids inside the user namespace map to the host. One id each, never host root.
public struct IdentityMapping: Codable, Equatable, Sendable {
    public var insideUID: UInt32
    public var insideGID: UInt32
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// The worktree is attached through an idmapped mount so that the command's files land
    /// on disk as the worktree's owner (needed when that owner is not `hostUID/hostGID`).
    public var idmapWorktree: Bool

    public init(insideUID: UInt32, insideGID: UInt32, hostUID: UInt32, hostGID: UInt32, idmapWorktree: Bool) {
        self.insideUID = insideUID
        self.insideGID = insideGID
        self.hostUID = hostUID
        self.hostGID = hostGID
        self.idmapWorktree = idmapWorktree
    }
}

/// The tmpfs that becomes `/` (mounted at `base` in the child before pivot_root).
public struct RootSpec: Codable, Equatable, Sendable {
    public var base: String
    public var options: String
}

public struct MountStep: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Equatable, Sendable {
        /// Recursive bind of a host path.
        case bind
        case tmpfs, proc, devpts, symlink
        /// Hide a path: /dev/null over a file, an empty read-only tmpfs over a directory.
        case mask
        /// Make an already visible path read-only.
        case readOnly = "read-only"
        case directory
    }

    public var kind: Kind
    public var source: String?
    public var target: String
    public var options: String?
    public var readOnly: Bool
    public var nosuid: Bool
    public var nodev: Bool
    public var noexec: Bool
    /// A missing source or target skips the step.
    public var optional: Bool
    /// A bind the parent prepares through an idmapped mount (host privilege is needed for
    /// that), so that files owned by the worktree's owner on disk belong to the command's
    /// uid inside, and the command's new files land on disk as that owner.
    public var idmap: Bool

    public init(
        kind: Kind, source: String? = nil, target: String, options: String? = nil, readOnly: Bool = false,
        nosuid: Bool = true, nodev: Bool = true, noexec: Bool = false, optional: Bool = false, idmap: Bool = false
    ) {
        self.idmap = idmap
        self.kind = kind
        self.source = source
        self.target = target
        self.options = options
        self.readOnly = readOnly
        self.nosuid = nosuid
        self.nodev = nodev
        self.noexec = noexec
        self.optional = optional
    }
}

public struct ResourceLimit: Codable, Equatable, Sendable {
    public enum Resource: String, Codable, Equatable, Sendable {
        case core, nofile, fsize, nproc
    }
    public var resource: Resource
    public var soft: UInt64
    public var hard: UInt64
    public init(resource: Resource, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }
    /// RLIM_INFINITY.
    public static let unlimited = UInt64.max
}
