extension Planner {
    /// The command's environment: the caller's variables that the profile allows, the
    /// profile's fixed values, HOME/TMPDIR/USER, then `--env`. Nothing else of the caller
    /// (tokens, agent credentials) gets in.
    static func environment(profile: Profile, request: RunRequest, host: HostFacts, worktree: WorktreeInfo,
                            identity: IdentityMapping) throws(SandboxError) -> [String] {
        var env: [String: String] = [:]
        for (name, value) in host.callerEnvironment
        where isAllowed(name, by: profile.environment.allow) && !isAllowed(name, by: profile.environment.deny) {
            env[name] = value
        }
        if env["PATH", default: ""].isEmpty { env["PATH"] = defaultPath }
        for (name, value) in profile.environment.set { env[name] = value }
        env["HOME"] = home
        env["TMPDIR"] = "/tmp"
        env["USER"] = identity.insideUID == 0 ? "root" : worktree.ownerName
        for item in request.environment {
            if let value = item.value {
                env[item.name] = value
            } else if let value = host.callerEnvironment[item.name] {
                env[item.name] = value
            }
        }
        for (name, value) in env where name.utf8.contains(0) || value.utf8.contains(0) {
            throw SandboxError(.usage, "environment variable \(name) contains a NUL byte")
        }
        return env.keys.sorted().map { "\($0)=\(env[$0]!)" }
    }

    /// `NAME` matches itself; `PREFIX*` matches every name starting with PREFIX.
    static func isAllowed(_ name: String, by patterns: [String]) -> Bool {
        patterns.contains { pattern in
            pattern.hasSuffix("*") ? name.hasPrefix(pattern.dropLast()) : name == pattern
        }
    }
}
