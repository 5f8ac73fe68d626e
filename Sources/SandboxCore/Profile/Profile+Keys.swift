/// Reads and writes a `Profile` field by its TOML key path, so that merging, rendering and
/// the tests can treat every key alike.
extension Profile {
    /// The value a profile file would give for `path`; nil for an unset optional limit and
    /// for keys that are not fields (`extends`, `*_remove`).
    public func value(for path: String) -> ProfileValue? {
        let fs = filesystem, l = limits
        switch path {
        case "description": return .string(description)
        case "filesystem.read_only": return .strings(fs.readOnly)
        case "filesystem.read_only_binds": return .binds(fs.readOnlyBinds)
        case "filesystem.read_write": return .binds(fs.readWrite)
        case "filesystem.tmpfs": return .tmpfs(fs.tmpfs)
        case "filesystem.masked": return .strings(fs.masked)
        case "filesystem.home_size": return .integer(fs.homeSizeBytes)
        case "filesystem.tmp_size": return .integer(fs.tmpSizeBytes)
        case "filesystem.shm_size": return .integer(fs.shmSizeBytes)
        case "filesystem.git": return .string(fs.git.rawValue)
        case "network.mode": return .string(network.mode.rawValue)
        case "environment.allow": return .strings(environment.allow)
        case "environment.deny": return .strings(environment.deny)
        case "environment.set": return .map(environment.set)
        case "identity.fallback_uid": return .integer(UInt64(identity.fallbackHostUID))
        case "identity.fallback_gid": return .integer(UInt64(identity.fallbackHostGID))
        case "limits.memory": return l.memoryBytes.map(ProfileValue.integer)
        case "limits.swap": return l.swapBytes.map(ProfileValue.integer)
        case "limits.pids": return l.pids.map(ProfileValue.integer)
        case "limits.cpus": return l.cpus.map(ProfileValue.number)
        case "limits.io": return l.io.map(ProfileValue.io)
        case "limits.wall_timeout": return l.wallTimeoutSeconds.map(ProfileValue.number)
        case "limits.cpu_timeout": return l.cpuTimeoutSeconds.map(ProfileValue.number)
        case "limits.kill_grace": return l.killGraceSeconds.map(ProfileValue.number)
        case "limits.open_files": return .integer(l.openFiles)
        case "limits.file_size": return l.fileSizeBytes.map(ProfileValue.integer)
        case "limits.core_dumps": return .bool(l.coreDumps)
        case "limits.processes": return l.processes.map(ProfileValue.integer)
        case "seccomp.policy": return .string(seccomp.policy)
        case "seccomp.deny": return .strings(seccomp.deny)
        case "seccomp.allow": return .strings(seccomp.allow)
        case "capabilities.keep": return .strings(capabilities.keep)
        case "process.tty": return .bool(process.tty)
        case "process.new_session": return .bool(process.newSession)
        case "process.die_with_parent": return .bool(process.dieWithParent)
        default: return nil
        }
    }

    /// Sets the field for `path` to a value the parser checked; a value of the wrong shape
    /// is ignored (the parser never produces one).
    public mutating func set(_ path: String, _ value: ProfileValue) {
        switch (path, value) {
        case ("description", .string(let s)): description = s
        case ("filesystem.read_only", .strings(let v)): filesystem.readOnly = v
        case ("filesystem.read_only_binds", .binds(let v)): filesystem.readOnlyBinds = v
        case ("filesystem.read_write", .binds(let v)): filesystem.readWrite = v
        case ("filesystem.tmpfs", .tmpfs(let v)): filesystem.tmpfs = v
        case ("filesystem.masked", .strings(let v)): filesystem.masked = v
        case ("filesystem.home_size", .integer(let n)): filesystem.homeSizeBytes = n
        case ("filesystem.tmp_size", .integer(let n)): filesystem.tmpSizeBytes = n
        case ("filesystem.shm_size", .integer(let n)): filesystem.shmSizeBytes = n
        case ("filesystem.git", .string(let s)): filesystem.git = GitAccess(rawValue: s) ?? filesystem.git
        case ("network.mode", .string(let s)): network.mode = NetworkMode(rawValue: s) ?? network.mode
        case ("environment.allow", .strings(let v)): environment.allow = v
        case ("environment.deny", .strings(let v)): environment.deny = v
        case ("environment.set", .map(let v)): environment.set = v
        case ("identity.fallback_uid", .integer(let n)): identity.fallbackHostUID = UInt32(clamping: n)
        case ("identity.fallback_gid", .integer(let n)): identity.fallbackHostGID = UInt32(clamping: n)
        case ("limits.memory", _): limits.memoryBytes = Self.optionalInteger(value)
        case ("limits.swap", _): limits.swapBytes = Self.optionalInteger(value)
        case ("limits.pids", _): limits.pids = Self.optionalInteger(value)
        case ("limits.cpus", _): limits.cpus = Self.optionalNumber(value)
        case ("limits.io", .io(let io)): limits.io = io
        case ("limits.io", .unlimited): limits.io = nil
        case ("limits.wall_timeout", _): limits.wallTimeoutSeconds = Self.optionalNumber(value)
        case ("limits.cpu_timeout", _): limits.cpuTimeoutSeconds = Self.optionalNumber(value)
        case ("limits.kill_grace", _): limits.killGraceSeconds = Self.optionalNumber(value)
        case ("limits.open_files", .integer(let n)): limits.openFiles = n
        case ("limits.file_size", _): limits.fileSizeBytes = Self.optionalInteger(value)
        case ("limits.core_dumps", .bool(let b)): limits.coreDumps = b
        case ("limits.processes", _): limits.processes = Self.optionalInteger(value)
        case ("seccomp.policy", .string(let s)): seccomp.policy = s
        case ("seccomp.deny", .strings(let v)): seccomp.deny = v
        case ("seccomp.allow", .strings(let v)): seccomp.allow = v
        case ("capabilities.keep", .strings(let v)): capabilities.keep = v
        case ("process.tty", .bool(let b)): process.tty = b
        case ("process.new_session", .bool(let b)): process.newSession = b
        case ("process.die_with_parent", .bool(let b)): process.dieWithParent = b
        default: break
        }
    }

    static func optionalInteger(_ value: ProfileValue) -> UInt64? {
        if case .integer(let n) = value { return n }
        return nil
    }

    static func optionalNumber(_ value: ProfileValue) -> Double? {
        if case .number(let d) = value { return d }
        return nil
    }
}
