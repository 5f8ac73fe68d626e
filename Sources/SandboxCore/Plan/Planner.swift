/// Turns a profile, the request, host facts and the resolved worktree into a `SandboxPlan`.
/// Pure: no file system, no syscalls. Every refusal to run happens here or in the runtime's
/// checks, before any side effect.
public enum Planner {
    public static let home = "/home/sandbox"
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    static let mergedUsrNames = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]

    /// `seccompFile` holds the bytes of the profile's JSON policy file, when it names one
    /// (the runtime reads it; the planner stays pure).
    public static func plan(profile: Profile, request: RunRequest, host: HostFacts, worktree: WorktreeInfo,
                            seccompFile: [UInt8]? = nil) throws(SandboxError) -> SandboxPlan {
        try refuseUnenforceable(profile)
        let identity = identity(host: host, worktree: worktree, settings: profile.identity)
        var tty = request.tty || profile.process.tty
        var argv = request.command
        if argv.isEmpty {
            guard request.stdinIsTerminal else {
                throw SandboxError(.usage, "no COMMAND given and standard input is not a terminal (use: sandbox run WORKER -- COMMAND)")
            }
            argv = ["bash", "-i"]
            tty = true
        }
        let environment = try environment(profile: profile, request: request, host: host, worktree: worktree, identity: identity)
        let searchPath = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? defaultPath
        var namespaces = Namespace.allCases
        if profile.network.mode == .host { namespaces.removeAll { $0 == .network } }
        let cgroup = accountingOnlyWhereCheap(try cgroupPlan(profile: profile, request: request, host: host),
                                              host: host, limits: profile.limits)
        return SandboxPlan(
            worker: worktree.name,
            worktree: worktree.path,
            profile: profile.name,
            argv: argv,
            environment: environment,
            searchPath: searchPath,
            workingDirectory: worktree.path,
            namespaces: namespaces,
            identity: identity,
            hostname: "sandbox",
            loopbackUp: profile.network.mode != .host,
            root: RootSpec(base: "/tmp", options: "mode=0755,size=4m,nr_inodes=4096"),
            mounts: try mounts(profile: profile, host: host, worktree: worktree, idmap: identity.idmapWorktree),
            rlimits: try rlimits(profile.limits, host: host, userNamespace: namespaces.contains(.user)),
            cgroup: cgroup,
            seccomp: try refusingTerminalInjection(
                try seccomp(profile.seccomp, file: seccompFile, context: SeccompResolveContext(
                    capabilities: profile.capabilities.keep, kernel: KernelVersion(parsing: host.kernelRelease))),
                tty: tty),
            capabilities: profile.capabilities.keep,
            newSession: profile.process.newSession && !tty,
            tty: tty,
            timeouts: try timeouts(profile.limits, host: host, cgroup: cgroup)
        )
    }

    /// Fail closed: a protection the profile asks for and this build cannot give is an
    /// error, never a silent downgrade.
    static func refuseUnenforceable(_ profile: Profile) throws(SandboxError) {
        let l = profile.limits
        // memory, swap, pids and cpus are the cgroup plan's (Planner+Limits).
        let unenforced: [(String, Bool)] = [
            ("io", l.io != nil),
        ]
        if let (key, _) = unenforced.first(where: { $0.1 }) {
            throw SandboxError(.profile, "profile \(profile.name): limits.\(key) cannot be enforced by this version; remove it")
        }
        if !profile.process.dieWithParent {
            throw SandboxError(.profile, "profile \(profile.name): process.die_with_parent = false is not supported by this version; the sandbox always dies with its parent")
        }
    }

    static func identity(host: HostFacts, worktree: WorktreeInfo, settings: IdentitySettings = IdentitySettings()) -> IdentityMapping {
        guard host.isRoot else {
            // Unprivileged: a user namespace may map only the caller's own ids.
            return IdentityMapping(insideUID: host.uid, insideGID: host.gid, hostUID: host.uid, hostGID: host.gid, idmapWorktree: false)
        }
        // Never host root: the worktree owner's ids when they are not root, else a dedicated
        // unprivileged id. Inside, a root-owned worktree belongs to inside uid 0, and the
        // idmapped mount writes the command's files back as root on disk.
        let uidIsRoot = worktree.ownerUID == 0, gidIsRoot = worktree.ownerGID == 0
        return IdentityMapping(
            insideUID: uidIsRoot ? 0 : worktree.ownerUID,
            insideGID: gidIsRoot ? 0 : worktree.ownerGID,
            hostUID: uidIsRoot ? settings.fallbackHostUID : worktree.ownerUID,
            hostGID: gidIsRoot ? settings.fallbackHostGID : worktree.ownerGID,
            idmapWorktree: uidIsRoot || gidIsRoot)
    }

    /// The policy a profile names: a built-in (`BuiltinSeccompPolicies.names`), or an
    /// OCI/Docker JSON file whose bytes the runtime read (`file`), resolved against the
    /// kept capabilities and kernel in `context`, with its inline `deny`/`allow` on top.
    /// Every path folds the baseline guards in: no profile can drop them.
    public static func seccomp(_ settings: SeccompSettings, file: [UInt8]? = nil,
                        context: SeccompResolveContext = .init()) throws(SandboxError) -> SeccompPolicy {
        var policy: SeccompPolicy
        if let builtin = BuiltinSeccompPolicies.named(settings.policy) {
            policy = builtin
        } else {
            guard settings.policy.contains("/") || settings.policy.hasSuffix(".json") else {
                throw SandboxError(.profile, "unknown seccomp policy \"\(settings.policy)\" (built-in: \(BuiltinSeccompPolicies.names.joined(separator: ", ")); or a path to an OCI/Docker JSON file)")
            }
            guard let file else {
                throw SandboxError(.profile, "seccomp policy file \(settings.policy) was not read")
            }
            policy = try OCISeccompProfile.load(file, source: settings.policy, context: context).policy
        }
        if !settings.allow.isEmpty {
            policy = policy.overriding(with: settings.allow.map { SeccompRule(syscall: $0, action: .allow) }).policy
        }
        if !settings.deny.isEmpty {
            policy = policy.denying(settings.deny).policy
        }
        return policy
    }

    /// With --tty the command shares the caller's terminal as its controlling terminal, so
    /// TIOCSTI could type into the caller's shell after the run (bubblewrap CVE-2017-5226);
    /// without --tty the new session already makes it fail. Whatever the policy, these
    /// requests are refused then, compared on the low 32 bits (CVE-2019-10063).
    static func refusingTerminalInjection(_ policy: SeccompPolicy, tty: Bool) throws(SandboxError) -> SeccompPolicy {
        guard tty else { return policy }
        let refused = StrictSeccompPolicy.refusedIoctls
        var result = policy
        let ioctlRules = policy.rules.filter { $0.syscall == "ioctl" }
        if policy.defaultAction.permits {
            result.rules.removeAll { $0.syscall == "ioctl" && $0.action.permits }
            result.rules += refused.map { request in
                SeccompRule(syscall: "ioctl", action: .errno(1), args: [
                    SeccompArgument(index: 1, op: .maskedEqual, value: 0xffff_ffff, valueTwo: UInt64(request)),
                ])
            }
        } else if ioctlRules.count == 1, ioctlRules[0].action == .allow, ioctlRules[0].args.isEmpty {
            // Default deny with ioctl allowed outright: allow every request but these.
            result.rules.removeAll { $0.syscall == "ioctl" }
            result.rules += LowBitsComplement.allowRules("ioctl", index: 1, excluding: Set(refused))
        }
        // Otherwise ioctl is denied, or allowed only for requests the policy chose: check that
        // those leave these two out (any high half), else refuse rather than run.
        for request in refused {
            for high: UInt64 in [0, 0xffff_ffff_0000_0000] where result.action(for: "ioctl", args: [0, high | UInt64(request)]).permits {
                throw SandboxError(.profile, "--tty: the seccomp policy allows ioctl request 0x\(String(request, radix: 16)) (terminal input injection), which a --tty run must refuse")
            }
        }
        return result
    }

    /// A run without limits gets a cgroup only for its usage counters. On v2 that is one
    /// directory, and clone3 places the child (CLONE_INTO_CGROUP); on v1 it is a directory in
    /// each of five hierarchies, about 0.6 ms to make and remove (the child joins them cheaply,
    /// docs/LIMITS.md), near a tenth of a whole run. So on v1 such a run has no cgroup: its PID
    /// namespace still ends every process, and the report's usage fields are null. A CPU
    /// timeout needs the counters and keeps the cgroup.
    static func accountingOnlyWhereCheap(_ plan: CgroupPlan, host: HostFacts, limits: LimitSettings) -> CgroupPlan {
        guard host.cgroup.mode != .unified, plan.writes.isEmpty, limits.cpuTimeoutSeconds == nil else { return plan }
        var result = plan
        result.controllers = []
        return result
    }

    /// CPU time is read from the run's cgroup (v2 `cpu.stat`, v1 `cpuacct.usage`): a CPU
    /// timeout the host cannot measure is refused, never dropped. `cgroup` is the run's
    /// cgroup plan: one that makes no cgroup (no controller could be used) has no counter.
    static func timeouts(_ limits: LimitSettings, host: HostFacts, cgroup plan: CgroupPlan) throws(SandboxError) -> TimeoutPlan {
        let timeouts = TimeoutPlan(wallSeconds: limits.wallTimeoutSeconds, cpuSeconds: limits.cpuTimeoutSeconds,
                                   graceSeconds: limits.killGraceSeconds ?? TimeoutPlan.defaultGrace)
        if timeouts.cpuSeconds != nil {
            let cgroup = host.cgroup
            let accounted = cgroup.mode == .unified || cgroup.controllers.contains(.cpuacct)
            let madeCgroup = !plan.controllers.isEmpty || !plan.writes.isEmpty
            guard cgroup.writable, cgroup.mode != .none, accounted, madeCgroup else {
                throw SandboxError(.host, "limit `cpu_timeout` cannot be enforced: this host gives the runner no cgroup CPU accounting (\(cgroup.mode.rawValue) cgroups\(cgroup.writable ? "" : ", not writable")\(madeCgroup ? "" : ", no controller for the run's cgroup")); remove limits.cpu_timeout or run where cgroups are available")
            }
        }
        return timeouts
    }

    /// Linux 5.14 moved RLIMIT_NPROC onto per-user-namespace counts (ucounts); before it, the
    /// count was the host uid's, shared with every other run mapped to the same uid.
    public static let perNamespaceProcessCount = KernelVersion(major: 5, minor: 14)

    static func rlimits(_ limits: LimitSettings, host: HostFacts, userNamespace: Bool) throws(SandboxError) -> [ResourceLimit] {
        let files = min(limits.openFiles, host.openFilesHardLimit)
        var result = [
            ResourceLimit(resource: .core, soft: limits.coreDumps ? ResourceLimit.unlimited : 0, hard: limits.coreDumps ? ResourceLimit.unlimited : 0),
            ResourceLimit(resource: .nofile, soft: files, hard: files),
        ]
        if let size = limits.fileSizeBytes {
            result.append(ResourceLimit(resource: .fsize, soft: size, hard: size))
        }
        if let processes = limits.processes {
            // Fail closed where the count would not be the run's own: one run's fork bomb
            // must not stop another's forks. A release that does not parse counts as too old.
            let kernel = KernelVersion(parsing: host.kernelRelease)
            guard userNamespace, let kernel, kernel >= perNamespaceProcessCount else {
                throw SandboxError(.host, "limit `processes` cannot be enforced per run: it needs a user namespace and Linux \(perNamespaceProcessCount)+ (this is \(host.kernelRelease)); remove limits.processes or use limits.pids")
            }
            result.append(ResourceLimit(resource: .nproc, soft: processes, hard: processes))
        }
        if limits.coreDumps { result.removeFirst() }  // keep the caller's core limit
        return result
    }
}
