/// Every key a profile may hold, what kind of value it takes and its limits. The parser, the
/// resolver, the renderer and docs/PROFILES.md all follow this one table.
public enum ProfileSchema {
    public enum Kind: Equatable, Sendable {
        /// One line of text, at most 200 characters.
        case text
        /// A profile name (`extends`).
        case profileName
        case bool
        case choice([String])
        /// Bytes: an integer or a string with a unit. `unlimited` allows "unlimited".
        case size(min: UInt64, max: UInt64, unlimited: Bool)
        /// Seconds, written with a unit.
        case duration(min: Double, max: Double, unlimited: Bool)
        case count(min: UInt64, max: UInt64, unlimited: Bool)
        /// A number of CPUs, integer or float.
        case cpus
        /// A host uid or gid other than root.
        case hostID
        /// Clean absolute paths.
        case paths
        /// "SRC[:DST]" strings or { source, target } tables.
        case binds
        /// "DST[:SIZE]" strings or { target, size } tables.
        case tmpfs
        /// Variable names or PREFIX* globs.
        case envPatterns
        /// NAME = "value" pairs.
        case envMap
        case capabilities
        /// Entries to take out of the list `of` (same table) that a base profile gave.
        case removals(of: String)
        /// { weight, read_bps, write_bps, read_iops, write_iops }.
        case io
        /// A built-in seccomp policy name or the absolute path of a JSON policy file.
        case seccompPolicy
        /// Syscall names.
        case syscalls
    }

    public struct Key: Sendable {
        /// "" for the top level.
        public var table: String
        public var name: String
        public var kind: Kind
        public var path: String { table.isEmpty ? name : table + "." + name }
    }

    public static let tables = ["filesystem", "network", "environment", "identity", "limits", "seccomp", "capabilities", "process"]

    static let kib: UInt64 = 1 << 10, mib: UInt64 = 1 << 20, tib: UInt64 = 1 << 40
    static let day: Double = 86400

    public static let keys: [Key] = [
        Key(table: "", name: "description", kind: .text),
        Key(table: "", name: "extends", kind: .profileName),

        Key(table: "filesystem", name: "read_only", kind: .paths),
        Key(table: "filesystem", name: "read_only_remove", kind: .removals(of: "read_only")),
        Key(table: "filesystem", name: "read_only_binds", kind: .binds),
        Key(table: "filesystem", name: "read_only_binds_remove", kind: .removals(of: "read_only_binds")),
        Key(table: "filesystem", name: "read_write", kind: .binds),
        Key(table: "filesystem", name: "read_write_remove", kind: .removals(of: "read_write")),
        Key(table: "filesystem", name: "tmpfs", kind: .tmpfs),
        Key(table: "filesystem", name: "tmpfs_remove", kind: .removals(of: "tmpfs")),
        Key(table: "filesystem", name: "masked", kind: .paths),
        Key(table: "filesystem", name: "masked_remove", kind: .removals(of: "masked")),
        Key(table: "filesystem", name: "home_size", kind: .size(min: tmpfsSizeRange.lowerBound, max: tmpfsSizeRange.upperBound, unlimited: false)),
        Key(table: "filesystem", name: "tmp_size", kind: .size(min: tmpfsSizeRange.lowerBound, max: tmpfsSizeRange.upperBound, unlimited: false)),
        Key(table: "filesystem", name: "shm_size", kind: .size(min: tmpfsSizeRange.lowerBound, max: tmpfsSizeRange.upperBound, unlimited: false)),
        Key(table: "filesystem", name: "git", kind: .choice(["none", "read-only"])),

        Key(table: "network", name: "mode", kind: .choice(NetworkMode.allCases.map(\.rawValue))),

        Key(table: "environment", name: "allow", kind: .envPatterns),
        Key(table: "environment", name: "allow_remove", kind: .removals(of: "allow")),
        Key(table: "environment", name: "deny", kind: .envPatterns),
        Key(table: "environment", name: "deny_remove", kind: .removals(of: "deny")),
        Key(table: "environment", name: "set", kind: .envMap),
        Key(table: "environment", name: "set_remove", kind: .removals(of: "set")),

        Key(table: "identity", name: "fallback_uid", kind: .hostID),
        Key(table: "identity", name: "fallback_gid", kind: .hostID),

        Key(table: "limits", name: "memory", kind: .size(min: 4 * mib, max: 1 << 50, unlimited: true)),
        Key(table: "limits", name: "swap", kind: .size(min: 0, max: 1 << 50, unlimited: true)),
        Key(table: "limits", name: "pids", kind: .count(min: 1, max: 4_194_304, unlimited: true)),
        Key(table: "limits", name: "cpus", kind: .cpus),
        Key(table: "limits", name: "io", kind: .io),
        Key(table: "limits", name: "wall_timeout", kind: .duration(min: 0.001, max: 30 * day, unlimited: true)),
        Key(table: "limits", name: "cpu_timeout", kind: .duration(min: 1, max: 30 * day, unlimited: true)),
        Key(table: "limits", name: "kill_grace", kind: .duration(min: 0, max: 600, unlimited: false)),
        Key(table: "limits", name: "open_files", kind: .count(min: 16, max: 1 << 20, unlimited: false)),
        Key(table: "limits", name: "file_size", kind: .size(min: 1, max: 1 << 50, unlimited: true)),
        Key(table: "limits", name: "core_dumps", kind: .bool),
        Key(table: "limits", name: "processes", kind: .count(min: 16, max: 4_194_304, unlimited: true)),

        Key(table: "seccomp", name: "policy", kind: .seccompPolicy),
        Key(table: "seccomp", name: "deny", kind: .syscalls),
        Key(table: "seccomp", name: "allow", kind: .syscalls),

        Key(table: "capabilities", name: "keep", kind: .capabilities),
        Key(table: "capabilities", name: "keep_remove", kind: .removals(of: "keep")),

        Key(table: "process", name: "tty", kind: .bool),
        Key(table: "process", name: "new_session", kind: .bool),
        Key(table: "process", name: "die_with_parent", kind: .bool),
    ]

    /// Sizes of /tmp, /dev/shm, $HOME and extra tmpfs mounts.
    static let tmpfsSizeRange: ClosedRange<UInt64> = (64 * kib)...tib

    public static let ioKeys = ["weight", "read_bps", "write_bps", "read_iops", "write_iops"]

    static let byPath: [String: Key] = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    public static func key(_ path: String) -> Key? { byPath[path] }

    /// Names of the keys of one table ("" for the top level, which also lists the tables).
    static func names(in table: String) -> [String] {
        keys.filter { $0.table == table }.map(\.name) + (table.isEmpty ? tables : [])
    }

    /// Linux capability names (capability.h, up to CAP_CHECKPOINT_RESTORE).
    public static let capabilityNames = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]
}
