/// What the host is and can do, gathered once by the runtime (`HostProbe`) and passed in.
public struct HostFacts: Codable, Equatable, Sendable {
    /// The invoking user (real uid/gid).
    public var uid: UInt32
    public var gid: UInt32
    /// PATH the runner itself was started with (a default is used when empty).
    public var callerEnvironment: [String: String]
    /// What the top-level merged-usr names are on this host: "bin" -> "usr/bin" for a
    /// symlink, "" for a real directory; absent names do not exist.
    public var rootEntries: [String: String]
    /// The runner's hard RLIMIT_NOFILE: a user namespace cannot raise it.
    public var openFilesHardLimit: UInt64
    /// `uname -r`, for Docker policies' `minKernel`.
    public var kernelRelease: String = ""
    /// What the host's cgroups can enforce (from the cgroup driver).
    public var cgroup: CgroupHostInfo

    public init(uid: UInt32, gid: UInt32, callerEnvironment: [String: String],
                rootEntries: [String: String] = ["bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"],
                openFilesHardLimit: UInt64 = 1 << 20, kernelRelease: String = "", cgroup: CgroupHostInfo = .unavailable) {
        self.kernelRelease = kernelRelease
        self.uid = uid
        self.gid = gid
        self.callerEnvironment = callerEnvironment
        self.rootEntries = rootEntries
        self.openFilesHardLimit = openFilesHardLimit
        self.cgroup = cgroup
    }

    public var isRoot: Bool { uid == 0 }
}

/// A resolved worktree, checked by the runtime: an absolute, symlink-free directory.
public struct WorktreeInfo: Codable, Equatable, Sendable {
    public var name: String
    public var path: String
    public var ownerUID: UInt32
    public var ownerGID: UInt32
    /// The owner's user name on the host ("root" for uid 0), for USER inside.
    public var ownerName: String
    /// Git metadata to show read-only at the same paths (the worktree's gitdir and the
    /// repository's common dir), already validated.
    public var gitMetadata: [String]
    /// `.git` is a directory inside the worktree (a main worktree or a plain repository):
    /// it is made read-only in place.
    public var gitDirectoryInside: Bool

    public init(name: String, path: String, ownerUID: UInt32, ownerGID: UInt32, ownerName: String = "sandbox",
                gitMetadata: [String] = [], gitDirectoryInside: Bool = false) {
        self.name = name
        self.ownerName = ownerName
        self.gitDirectoryInside = gitDirectoryInside
        self.path = path
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
        self.gitMetadata = gitMetadata
    }
}

/// What the caller asked for on the command line, beyond the profile.
public struct RunRequest: Codable, Equatable, Sendable {
    public var command: [String]
    /// `--env NAME=VALUE` sets; `--env NAME` passes the caller's value through.
    public var environment: [EnvironmentOverride]
    public var tty: Bool
    /// Whether standard input is a terminal (decides what an empty command means).
    public var stdinIsTerminal: Bool
    /// `--memory`, `--pids`, `--cpus`: replace the profile's values.
    public var memoryBytes: UInt64?
    public var pids: UInt64?
    public var cpus: Double?
    /// `--allow-unenforced LIMIT`: run even where the host cannot enforce these (recorded).
    public var allowUnenforced: [CgroupLimit]

    public init(command: [String], environment: [EnvironmentOverride] = [], tty: Bool = false, stdinIsTerminal: Bool = false,
                memoryBytes: UInt64? = nil, pids: UInt64? = nil, cpus: Double? = nil, allowUnenforced: [CgroupLimit] = []) {
        self.command = command
        self.environment = environment
        self.tty = tty
        self.stdinIsTerminal = stdinIsTerminal
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.cpus = cpus
        self.allowUnenforced = allowUnenforced
    }
}

public struct EnvironmentOverride: Codable, Equatable, Sendable {
    public var name: String
    public var value: String?
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }

    /// Parses `NAME=VALUE` or `NAME`.
    public init(parsing text: String) throws(SandboxError) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard EnvironmentOverride.isValidName(name) else {
            throw SandboxError(.usage, "--env \(text): invalid variable name \"\(name)\"")
        }
        self.name = name
        self.value = parts.count == 2 ? String(parts[1]) : nil
    }

    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return name.utf8.allSatisfy { c in
            c == 0x5F || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        }
    }
}
