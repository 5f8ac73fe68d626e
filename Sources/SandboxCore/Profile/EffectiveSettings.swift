/// The settings a run actually got (profile plus flags), for the report's "settings"
/// object. Snake-case keys like the rest of the report; an unset limit is null, never
/// missing, so readers can rely on the keys. Environment values are left out (names
/// only): a fixed value may be a token.
public struct EffectiveSettings: Codable, Equatable, Sendable {
    public struct Bind: Codable, Equatable, Sendable {
        public var source: String
        public var target: String
    }

    public struct Tmpfs: Codable, Equatable, Sendable {
        public var target: String
        public var sizeBytes: UInt64
        enum CodingKeys: String, CodingKey { case target, sizeBytes = "size_bytes" }
    }

    public var profile: String
    /// The profile's files, itself first ("built-in strict" for a built-in).
    public var profileFiles: [String]
    public var overrides: [String]
    public var network: String
    public var readOnly: [String]
    public var readOnlyBinds: [Bind]
    public var readWrite: [Bind]
    public var tmpfs: [Tmpfs]
    public var masked: [String]
    public var homeSizeBytes: UInt64
    public var tmpSizeBytes: UInt64
    public var shmSizeBytes: UInt64
    public var git: String
    public var environmentAllow: [String]
    public var environmentDeny: [String]
    public var environmentSet: [String]
    public var memoryBytes: UInt64?
    public var swapBytes: UInt64?
    public var pids: UInt64?
    public var cpus: Double?
    public var wallTimeoutMs: UInt64?
    public var cpuTimeoutMs: UInt64?
    public var killGraceMs: UInt64?
    public var ioWeight: UInt64?
    public var ioReadBps: UInt64?
    public var ioWriteBps: UInt64?
    public var ioReadIops: UInt64?
    public var ioWriteIops: UInt64?
    public var openFiles: UInt64
    public var fileSizeBytes: UInt64?
    public var coreDumps: Bool
    public var processes: UInt64?
    public var seccompPolicy: String
    public var capabilities: [String]
    public var tty: Bool
    public var newSession: Bool
    public var dieWithParent: Bool

    enum CodingKeys: String, CodingKey {
        case profile, overrides, network, tmpfs, masked, git, pids, cpus, capabilities, tty
        case profileFiles = "profile_files", readOnly = "read_only", readOnlyBinds = "read_only_binds"
        case readWrite = "read_write", homeSizeBytes = "home_size_bytes", tmpSizeBytes = "tmp_size_bytes"
        case shmSizeBytes = "shm_size_bytes", environmentAllow = "environment_allow", environmentDeny = "environment_deny"
        case environmentSet = "environment_set", memoryBytes = "memory_bytes", swapBytes = "swap_bytes"
        case wallTimeoutMs = "wall_timeout_ms", cpuTimeoutMs = "cpu_timeout_ms", killGraceMs = "kill_grace_ms"
        case ioWeight = "io_weight", ioReadBps = "io_read_bps", ioWriteBps = "io_write_bps"
        case ioReadIops = "io_read_iops", ioWriteIops = "io_write_iops", openFiles = "open_files"
        case fileSizeBytes = "file_size_bytes", coreDumps = "core_dumps", processes, seccompPolicy = "seccomp_policy"
        case newSession = "new_session", dieWithParent = "die_with_parent"
    }

    /// `profile` is the final one (overrides already applied).
    public init(profile p: Profile, files: [String], overrides: ProfileOverrides = ProfileOverrides()) {
        func ms(_ seconds: Double?) -> UInt64? { seconds.map { UInt64(($0 * 1000).rounded()) } }
        let fs = p.filesystem, l = p.limits
        profile = p.name
        profileFiles = files
        self.overrides = overrides.flags
        network = p.network.mode.rawValue
        readOnly = fs.readOnly
        readOnlyBinds = fs.readOnlyBinds.map { Bind(source: $0.source, target: $0.target) }
        readWrite = fs.readWrite.map { Bind(source: $0.source, target: $0.target) }
        tmpfs = fs.tmpfs.map { Tmpfs(target: $0.target, sizeBytes: $0.sizeBytes) }
        masked = fs.masked
        homeSizeBytes = fs.homeSizeBytes
        tmpSizeBytes = fs.tmpSizeBytes
        shmSizeBytes = fs.shmSizeBytes
        git = fs.git.rawValue
        environmentAllow = p.environment.allow
        environmentDeny = p.environment.deny
        environmentSet = p.environment.set.keys.sorted()
        memoryBytes = l.memoryBytes
        swapBytes = l.swapBytes
        pids = l.pids
        cpus = l.cpus
        wallTimeoutMs = ms(l.wallTimeoutSeconds)
        cpuTimeoutMs = ms(l.cpuTimeoutSeconds)
        killGraceMs = ms(l.killGraceSeconds)
        ioWeight = l.io?.weight
        ioReadBps = l.io?.readBytesPerSecond
        ioWriteBps = l.io?.writeBytesPerSecond
        ioReadIops = l.io?.readIOPS
        ioWriteIops = l.io?.writeIOPS
        openFiles = l.openFiles
        fileSizeBytes = l.fileSizeBytes
        coreDumps = l.coreDumps
        processes = l.processes
        seccompPolicy = p.seccomp.policy
        capabilities = p.capabilities.keep
        tty = p.process.tty
        newSession = p.process.newSession
        dieWithParent = p.process.dieWithParent
    }

    /// Writes every key, with null for unset optionals (the synthesized encoder would omit them).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(profile, forKey: .profile)
        try c.encode(profileFiles, forKey: .profileFiles)
        try c.encode(overrides, forKey: .overrides)
        try c.encode(network, forKey: .network)
        try c.encode(readOnly, forKey: .readOnly)
        try c.encode(readOnlyBinds, forKey: .readOnlyBinds)
        try c.encode(readWrite, forKey: .readWrite)
        try c.encode(tmpfs, forKey: .tmpfs)
        try c.encode(masked, forKey: .masked)
        try c.encode(homeSizeBytes, forKey: .homeSizeBytes)
        try c.encode(tmpSizeBytes, forKey: .tmpSizeBytes)
        try c.encode(shmSizeBytes, forKey: .shmSizeBytes)
        try c.encode(git, forKey: .git)
        try c.encode(environmentAllow, forKey: .environmentAllow)
        try c.encode(environmentDeny, forKey: .environmentDeny)
        try c.encode(environmentSet, forKey: .environmentSet)
        try c.encode(memoryBytes, forKey: .memoryBytes)
        try c.encode(swapBytes, forKey: .swapBytes)
        try c.encode(pids, forKey: .pids)
        try c.encode(cpus, forKey: .cpus)
        try c.encode(wallTimeoutMs, forKey: .wallTimeoutMs)
        try c.encode(cpuTimeoutMs, forKey: .cpuTimeoutMs)
        try c.encode(killGraceMs, forKey: .killGraceMs)
        try c.encode(ioWeight, forKey: .ioWeight)
        try c.encode(ioReadBps, forKey: .ioReadBps)
        try c.encode(ioWriteBps, forKey: .ioWriteBps)
        try c.encode(ioReadIops, forKey: .ioReadIops)
        try c.encode(ioWriteIops, forKey: .ioWriteIops)
        try c.encode(openFiles, forKey: .openFiles)
        try c.encode(fileSizeBytes, forKey: .fileSizeBytes)
        try c.encode(coreDumps, forKey: .coreDumps)
        try c.encode(processes, forKey: .processes)
        try c.encode(seccompPolicy, forKey: .seccompPolicy)
        try c.encode(capabilities, forKey: .capabilities)
        try c.encode(tty, forKey: .tty)
        try c.encode(newSession, forKey: .newSession)
        try c.encode(dieWithParent, forKey: .dieWithParent)
    }
}
