/// What `sandbox run`/`plan` flags change in a profile: parsed and checked with the same
/// rules as profile keys, then applied over the resolved profile (flags win).
public struct ProfileOverrides: Codable, Equatable, Sendable {
    public var memoryBytes: UInt64?
    public var pids: UInt64?
    public var cpus: Double?
    /// `--timeout`: the wall-clock timeout.
    public var timeoutSeconds: Double?
    public var network: NetworkMode?
    public var readOnlyBinds: [BindSpec] = []
    public var readWriteBinds: [BindSpec] = []
    public var tmpfs: [TmpfsSpec] = []
    public var unsetEnvironment: [String] = []
    /// The flags as given, in a fixed order, for the report's settings.
    public var flags: [String] = []

    public init() {}

    /// Variables the runner always sets itself: unsetting them could not take effect.
    public static let runnerVariables = ["HOME", "TMPDIR", "USER", "PATH"]

    /// Parses the flags' values; throws a usage error naming the flag.
    public init(memory: String? = nil, pids: String? = nil, cpus: String? = nil, timeout: String? = nil,
                network: String? = nil, roBind: [String] = [], bind: [String] = [], tmpfs: [String] = [],
                unsetEnv: [String] = []) throws(SandboxError) {
        if let memory {
            memoryBytes = try Self.size("--memory", memory, key: "limits.memory")
            flags.append("--memory \(memory)")
        }
        if let pids {
            guard let n = UInt64(pids), n >= 1, n <= 4_194_304 else {
                throw SandboxError(.usage, "--pids \(pids): expected an integer from 1 to 4194304")
            }
            self.pids = n
            flags.append("--pids \(pids)")
        }
        if let cpus {
            guard let n = Double(cpus), n.isFinite, n >= 0.01, n <= 1024 else {
                throw SandboxError(.usage, "--cpus \(cpus): expected a number from 0.01 to 1024")
            }
            self.cpus = n
            flags.append("--cpus \(cpus)")
        }
        if let timeout {
            switch ProfileUnits.parseDuration(timeout) {
            case .success(let seconds) where seconds >= 0.001 && seconds <= 30 * 86400: timeoutSeconds = seconds
            case .success: throw SandboxError(.usage, "--timeout \(timeout): out of range (1ms to 720h)")
            case .failure(let e): throw SandboxError(.usage, "--timeout \(timeout): \(e.message)")
            }
            flags.append("--timeout \(timeout)")
        }
        if let network {
            guard let mode = NetworkMode(rawValue: network) else {
                throw SandboxError(.usage, "--network \(network): expected none, loopback or host")
            }
            self.network = mode
            flags.append("--network \(network)")
        }
        for item in roBind {
            readOnlyBinds.append(try Self.bind("--ro-bind", item))
            flags.append("--ro-bind \(item)")
        }
        for item in bind {
            readWriteBinds.append(try Self.bind("--bind", item))
            flags.append("--bind \(item)")
        }
        for item in tmpfs {
            self.tmpfs.append(try Self.tmpfs(item))
            flags.append("--tmpfs \(item)")
        }
        for name in unsetEnv {
            guard EnvironmentOverride.isValidName(name) else { throw SandboxError(.usage, "--unset-env \(name): invalid variable name") }
            guard !Self.runnerVariables.contains(name) else {
                throw SandboxError(.usage, "--unset-env \(name): the runner always sets \(name)")
            }
            unsetEnvironment.append(name)
            flags.append("--unset-env \(name)")
        }
    }

    public var isEmpty: Bool { flags.isEmpty }

    /// The profile with the flags applied: scalars replace, binds and tmpfs add (the same
    /// target replaces the profile's entry), --unset-env denies the name and drops a fixed
    /// value.
    public func apply(to profile: Profile) -> Profile {
        var p = profile
        if let memoryBytes { p.limits.memoryBytes = memoryBytes }
        if let pids { p.limits.pids = pids }
        if let cpus { p.limits.cpus = cpus }
        if let timeoutSeconds { p.limits.wallTimeoutSeconds = timeoutSeconds }
        if let network { p.network.mode = network }
        func add(_ list: inout [BindSpec], _ extra: [BindSpec]) {
            for bind in extra {
                if let i = list.firstIndex(where: { $0.target == bind.target }) { list[i] = bind } else { list.append(bind) }
            }
        }
        // A path given read-only by flag is no longer writable through the profile, and
        // the other way round: the flag decides.
        p.filesystem.readWrite.removeAll { bind in readOnlyBinds.contains { $0.target == bind.target } }
        p.filesystem.readOnlyBinds.removeAll { bind in readWriteBinds.contains { $0.target == bind.target } }
        add(&p.filesystem.readOnlyBinds, readOnlyBinds)
        add(&p.filesystem.readWrite, readWriteBinds)
        for spec in tmpfs {
            if let i = p.filesystem.tmpfs.firstIndex(where: { $0.target == spec.target }) { p.filesystem.tmpfs[i] = spec } else { p.filesystem.tmpfs.append(spec) }
        }
        for name in unsetEnvironment {
            p.environment.set.removeValue(forKey: name)
            if !p.environment.deny.contains(name) { p.environment.deny.append(name) }
        }
        return p
    }

    static func size(_ flag: String, _ text: String, key: String) throws(SandboxError) -> UInt64 {
        guard case .size(let min, let max, _)? = ProfileSchema.key(key)?.kind else { return 0 }
        switch ProfileUnits.parseSize(text) {
        case .success(let bytes) where bytes >= min && bytes <= max: return bytes
        case .success: throw SandboxError(.usage, "\(flag) \(text): out of range (\(ProfileUnits.formatSize(min)) to \(ProfileUnits.formatSize(max)))")
        case .failure(let e): throw SandboxError(.usage, "\(flag) \(text): \(e.message)")
        }
    }

    static func bind(_ flag: String, _ text: String) throws(SandboxError) -> BindSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw SandboxError(.usage, "\(flag) \(text): expected SRC[:DST] (paths holding ':' need a profile)") }
        for part in parts {
            if let message = ParseContext.pathProblem(part) { throw SandboxError(.usage, "\(flag) \(text): \(message)") }
        }
        return BindSpec(source: parts[0], target: parts.count == 2 ? parts[1] : nil)
    }

    static func tmpfs(_ text: String) throws(SandboxError) -> TmpfsSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw SandboxError(.usage, "--tmpfs \(text): expected DST[:SIZE]") }
        if let message = ParseContext.pathProblem(parts[0]) { throw SandboxError(.usage, "--tmpfs \(text): \(message)") }
        guard parts.count == 2 else { return TmpfsSpec(target: parts[0], sizeBytes: TmpfsSpec.defaultSize) }
        let range = ProfileSchema.tmpfsSizeRange
        switch ProfileUnits.parseSize(parts[1]) {
        case .success(let bytes) where range.contains(bytes): return TmpfsSpec(target: parts[0], sizeBytes: bytes)
        case .success: throw SandboxError(.usage, "--tmpfs \(text): size out of range (64KiB to 1TiB)")
        case .failure(let e): throw SandboxError(.usage, "--tmpfs \(text): \(e.message)")
        }
    }
}
