/// A profile: the security contract a team reviews and commits. Plain values only; reading
/// one from TOML and checking it is `ProfileParser`'s job (then `ProfileResolver` for
/// `extends`), turning it into actions the `Planner`'s. Every field has exactly one TOML key
/// (docs/PROFILES.md); `ProfileRenderer` writes it back.
public struct Profile: Codable, Equatable, Sendable {
    public var name: String
    public var description: String
    public var filesystem: FilesystemSettings
    public var network: NetworkSettings
    public var environment: EnvironmentSettings
    public var identity: IdentitySettings
    public var limits: LimitSettings
    public var seccomp: SeccompSettings
    public var capabilities: CapabilitySettings
    public var process: ProcessSettings

    public init(
        name: String, description: String, filesystem: FilesystemSettings = .init(),
        network: NetworkSettings = .init(), environment: EnvironmentSettings = .init(),
        identity: IdentitySettings = .init(), limits: LimitSettings = .init(),
        seccomp: SeccompSettings = .init(), capabilities: CapabilitySettings = .init(),
        process: ProcessSettings = .init()
    ) {
        self.name = name
        self.description = description
        self.filesystem = filesystem
        self.network = network
        self.environment = environment
        self.identity = identity
        self.limits = limits
        self.seccomp = seccomp
        self.capabilities = capabilities
        self.process = process
    }
}

public struct BindSpec: Codable, Equatable, Sendable {
    public var source: String
    public var target: String
    public init(source: String, target: String? = nil) {
        self.source = source
        self.target = target ?? source
    }
}

public struct TmpfsSpec: Codable, Equatable, Sendable {
    public var target: String
    public var sizeBytes: UInt64
    /// The size of a tmpfs entry that gives none.
    public static let defaultSize: UInt64 = 64 << 20
    public init(target: String, sizeBytes: UInt64) {
        self.target = target
        self.sizeBytes = sizeBytes
    }
}

public enum GitAccess: String, Codable, Equatable, Sendable {
    case none
    case readOnly = "read-only"
}

public struct FilesystemSettings: Codable, Equatable, Sendable {
    /// Host paths bound read-only at the same path. A path the host lacks is skipped: a
    /// missing toolchain is less access, never less protection.
    public var readOnly: [String]
    /// Read-only binds at another path or that must exist (`--ro-bind SRC[:DST]`,
    /// `read_only_binds`); unlike `readOnly`, a missing source is an error.
    public var readOnlyBinds: [BindSpec]
    public var readWrite: [BindSpec]
    public var tmpfs: [TmpfsSpec]
    /// Paths hidden inside the sandbox (a file behind /dev/null, a directory behind an empty
    /// read-only tmpfs).
    public var masked: [String]
    public var tmpSizeBytes: UInt64
    public var shmSizeBytes: UInt64
    public var homeSizeBytes: UInt64
    public var git: GitAccess

    public init(
        readOnly: [String] = ["/usr", "/etc"], readOnlyBinds: [BindSpec] = [], readWrite: [BindSpec] = [], tmpfs: [TmpfsSpec] = [],
        masked: [String] = [], tmpSizeBytes: UInt64 = 256 << 20, shmSizeBytes: UInt64 = 64 << 20,
        homeSizeBytes: UInt64 = 64 << 20, git: GitAccess = .readOnly
    ) {
        self.readOnly = readOnly
        self.readOnlyBinds = readOnlyBinds
        self.readWrite = readWrite
        self.tmpfs = tmpfs
        self.masked = masked
        self.tmpSizeBytes = tmpSizeBytes
        self.shmSizeBytes = shmSizeBytes
        self.homeSizeBytes = homeSizeBytes
        self.git = git
    }
}

public enum NetworkMode: String, Codable, Equatable, Sendable, CaseIterable {
    /// Its own network namespace holding only `lo`, up: nothing outside is reachable.
    case none
    /// Same isolation as `none`; named for profiles that rely on loopback servers.
    case loopback
    /// The host's network namespace (trusted dependency installs only).
    case host
}

public struct NetworkSettings: Codable, Equatable, Sendable {
    public var mode: NetworkMode
    public init(mode: NetworkMode = .none) { self.mode = mode }
}

public struct EnvironmentSettings: Codable, Equatable, Sendable {
    /// Names (or `PREFIX*` globs) passed through from the caller's environment.
    public var allow: [String]
    /// Names (or `PREFIX*` globs) never passed through, even when `allow` matches them
    /// (`--unset-env`, or `allow = ["LC_*"]` with `deny = ["LC_ALL"]`).
    public var deny: [String]
    /// Variables set to fixed values.
    public var set: [String: String]
    public init(allow: [String] = ["PATH", "LANG", "LC_*", "TERM", "TZ"], deny: [String] = [],
                set: [String: String] = [:]) {
        self.allow = allow
        self.deny = deny
        self.set = set
    }
}

public struct IdentitySettings: Codable, Equatable, Sendable {
    /// The unprivileged host uid/gid a run gets when the worktree belongs to root.
    public var fallbackHostUID: UInt32
    public var fallbackHostGID: UInt32
    public init(fallbackHostUID: UInt32 = IdentitySettings.dedicatedID,
                fallbackHostGID: UInt32 = IdentitySettings.dedicatedID) {
        self.fallbackHostUID = fallbackHostUID
        self.fallbackHostGID = fallbackHostGID
    }
    /// Far above the ranges distributions hand to users and subordinate ids, so that no
    /// host account owns it.
    public static let dedicatedID: UInt32 = 2_000_000_000
}

public struct LimitSettings: Codable, Equatable, Sendable {
    // Enforced by the run's cgroup (docs/LIMITS.md).
    public var memoryBytes: UInt64?
    public var swapBytes: UInt64?
    public var pids: UInt64?
    public var cpus: Double?
    public var wallTimeoutSeconds: Double?
    public var cpuTimeoutSeconds: Double?
    /// Time between SIGTERM and SIGKILL when a timeout fires.
    public var killGraceSeconds: Double?
    /// cgroup io weight and throttles.
    public var io: IOLimits?
    // Enforced with rlimits.
    public var openFiles: UInt64
    public var fileSizeBytes: UInt64?
    public var coreDumps: Bool
    /// RLIMIT_NPROC, set in the sandbox's own user namespace, where the kernel counts only the
    /// run's tasks (Linux 5.14+): a fork bomb stops there, with or without cgroups.
    public var processes: UInt64?

    public init(
        memoryBytes: UInt64? = nil, swapBytes: UInt64? = nil, pids: UInt64? = nil, cpus: Double? = nil,
        wallTimeoutSeconds: Double? = nil, cpuTimeoutSeconds: Double? = nil, killGraceSeconds: Double? = nil,
        io: IOLimits? = nil, openFiles: UInt64 = 65536, fileSizeBytes: UInt64? = nil, coreDumps: Bool = false,
        processes: UInt64? = nil
    ) {
        self.memoryBytes = memoryBytes
        self.swapBytes = swapBytes
        self.pids = pids
        self.cpus = cpus
        self.wallTimeoutSeconds = wallTimeoutSeconds
        self.cpuTimeoutSeconds = cpuTimeoutSeconds
        self.killGraceSeconds = killGraceSeconds
        self.io = io
        self.openFiles = openFiles
        self.fileSizeBytes = fileSizeBytes
        self.coreDumps = coreDumps
        self.processes = processes
    }
}

/// `[limits] io = { weight = 100, read_bps = "50MiB", ... }`: cgroup v2 `io.weight` and
/// `io.max` for the device holding the worktree.
public struct IOLimits: Codable, Equatable, Sendable {
    public var weight: UInt64?
    public var readBytesPerSecond: UInt64?
    public var writeBytesPerSecond: UInt64?
    public var readIOPS: UInt64?
    public var writeIOPS: UInt64?
    public init(weight: UInt64? = nil, readBytesPerSecond: UInt64? = nil, writeBytesPerSecond: UInt64? = nil,
                readIOPS: UInt64? = nil, writeIOPS: UInt64? = nil) {
        self.weight = weight
        self.readBytesPerSecond = readBytesPerSecond
        self.writeBytesPerSecond = writeBytesPerSecond
        self.readIOPS = readIOPS
        self.writeIOPS = writeIOPS
    }
}

public struct SeccompSettings: Codable, Equatable, Sendable {
    /// A built-in policy ("strict", "default", "baseline") or the absolute path of an
    /// OCI/Docker JSON policy file.
    public var policy: String
    /// Syscalls denied (EPERM) on top of the policy.
    public var deny: [String]
    /// Syscalls allowed on top of the policy (the baseline guards still apply).
    public var allow: [String]
    public init(policy: String = "strict", deny: [String] = [], allow: [String] = []) {
        self.policy = policy
        self.deny = deny
        self.allow = allow
    }
}

public struct CapabilitySettings: Codable, Equatable, Sendable {
    public var keep: [String]
    public init(keep: [String] = []) { self.keep = keep }
}

public struct ProcessSettings: Codable, Equatable, Sendable {
    public var tty: Bool
    public var newSession: Bool
    public var dieWithParent: Bool
    public init(tty: Bool = false, newSession: Bool = true, dieWithParent: Bool = true) {
        self.tty = tty
        self.newSession = newSession
        self.dieWithParent = dieWithParent
    }
}
