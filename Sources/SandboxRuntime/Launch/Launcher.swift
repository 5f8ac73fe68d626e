#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// A child that has been cloned into its namespaces and released.
public struct LaunchedSandbox {
    public var pid: pid_t
    public var pidfd: Int32
    /// Read end of the report pipe.
    public var reportFD: Int32
    /// Our end of the socket the command sends its seccomp listener over, or -1.
    public var notifySocket: Int32
    /// Our end of the socket the filter is sent on, until `Launcher.sendFilter` closes it (-1 then).
    public var filterWrite: Int32
}

/// Starts the child: prepares what needs host privilege (idmapped mounts), clones into new
/// namespaces, maps the ids, and releases the child with one byte on the sync pipe. The
/// seccomp filter follows (`sendFilter`): the child mounts meanwhile, and waits for it before
/// its init starts the command.
public enum Launcher {
    /// `cgroup`: the run's cgroup. v2 places the child in it at clone3 (CLONE_INTO_CGROUP); on
    /// v1 the child joins it itself, first thing after the sync byte. Either way the command
    /// runs nothing outside it.
    /// `relay`: the command's stdout and stderr go into its pipes (nil: the caller's fds).
    /// `reportDenials`: the command will send its seccomp listener (the filter then carries
    /// user-notification actions).
    public static func launch(_ plan: SandboxPlan, reportDenials: Bool, isRoot: Bool,
                              cgroup: (any CgroupRun)? = nil, relay: OutputRelay? = nil) throws(SandboxError) -> LaunchedSandbox {
        var pipes = try LaunchPipes.make(withNotifySocket: reportDenials)
        var prepared = [Int32](repeating: -1, count: plan.mounts.count)
        defer { prepared.filter { $0 >= 0 }.forEach { close($0) } }
        do throws(SandboxError) {
            for (i, step) in plan.mounts.enumerated() where step.idmap {
                prepared[i] = try cloneForIdmap(step)
            }
        } catch {
            pipes.closeAll()
            throw error
        }
        let keep: UInt64
        let blocks: ProcessBlocks
        var tasksFiles: [Int32] = []
        defer { tasksFiles.forEach { close($0) } }
        do throws(SandboxError) {
            keep = try CapabilityNames.mask(plan.capabilities)
            blocks = try processBlocks()
            tasksFiles = try cgroup?.openTasksFiles() ?? []
        } catch {
            pipes.closeAll()
            throw error
        }
        StartupTrace.mark("launch-prep")
        let namespaces = PreparedNamespaces.take(for: plan)
        let recipe = ChildRecipe(
            plan: plan, preparedFDs: prepared, pipes: pipes,
            blocks: blocks, dropGroups: isRoot, keepCapabilities: keep, cgroupTasksFiles: tasksFiles,
            output: relay.map { ($0.childStdout, $0.childStderr) } ?? (-1, -1),
            loopbackIsUp: namespaces.network >= 0)
        var c = recipe.recipe
        var pidfd: Int32 = -1
        let pid = sbx_spawn(&c, cloneFlags(plan.namespaces), cgroup?.cloneIntoFD ?? -1,
                            namespaces.network, namespaces.ipc, &pidfd)
        withExtendedLifetime(recipe) {}
        [namespaces.network, namespaces.ipc].filter { $0 >= 0 }.forEach { close($0) }
        StartupTrace.mark("clone3")
        guard pid > 0 else {
            pipes.closeAll()
            throw SystemError.error(.setup, "clone3 into new namespaces", errno: -pid)
        }
        pipes.closeChildEnds()
        relay?.closeChildEnds()
        do throws(SandboxError) {
            try mapIDs(pid: pid, identity: plan.identity, privileged: isRoot)
            if prepared.contains(where: { $0 >= 0 }) {
                try applyIdmap(pid: pid, prepared: prepared, plan: plan)
            }
            var go: UInt8 = 1
            guard write(pipes.syncWrite, &go, 1) == 1 else { throw SystemError.last(.setup, "release the child") }
        } catch {
            _ = sbx_pidfd_send_signal(pidfd, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(pidfd)
            pipes.closeAll()
            throw error
        }
        close(pipes.syncWrite)
        StartupTrace.mark("maps+release")
        return LaunchedSandbox(pid: pid, pidfd: pidfd, reportFD: pipes.reportRead, notifySocket: pipes.notifyParent,
                               filterWrite: pipes.filterWrite)
    }

    /// Hands the released child its filter (at most 32 KiB, which the socket's buffer takes
    /// without waiting for the child). Until then the child cannot start its command.
    /// Returns false when the child has already exited (EPIPE: its setup failed, and its
    /// report says why); throws on anything else.
    @discardableResult
    public static func sendFilter(_ program: SeccompCompiler.Program, to sandbox: inout LaunchedSandbox) throws(SandboxError) -> Bool {
        defer {
            close(sandbox.filterWrite)
            sandbox.filterWrite = -1
        }
        guard program.instructionCount > 0, program.instructionCount <= Int(SBX_FILTER_MAX_INSTRUCTIONS) else {
            throw SandboxError(.setup, "seccomp: the compiled filter has \(program.instructionCount) instructions (1-\(SBX_FILTER_MAX_INSTRUCTIONS) can be loaded)")
        }
        var message = [UInt8]()
        message.reserveCapacity(8 + program.bytes.count)
        withUnsafeBytes(of: sbx_filter_header(magic: SBX_FILTER_MAGIC, instructions: UInt32(program.instructionCount))) {
            message.append(contentsOf: $0)
        }
        message.append(contentsOf: program.bytes)
        guard sbx_send_all(sandbox.filterWrite, message, message.count) == 0 else {
            if errno == EPIPE || errno == ECONNRESET { return false }
            throw SystemError.last(.setup, "send the seccomp filter to the sandbox")
        }
        return true
    }

    /// A released child that must not go on (its filter could not be made): killed and reaped
    /// before it could start its command, which waits for the filter.
    public static func abandon(_ sandbox: LaunchedSandbox) {
        _ = sbx_pidfd_send_signal(sandbox.pidfd, SIGKILL)
        var status: Int32 = 0
        while waitpid(sandbox.pid, &status, 0) < 0 && errno == EINTR {}
        for fd in [sandbox.pidfd, sandbox.reportFD, sandbox.notifySocket, sandbox.filterWrite] where fd >= 0 { close(fd) }
    }

    static func cloneFlags(_ namespaces: [Namespace]) -> UInt64 {
        var flags: UInt64 = 0
        for ns in namespaces {
            switch ns {
            case .user: flags |= UInt64(CLONE_NEWUSER)
            case .mount: flags |= UInt64(CLONE_NEWNS)
            case .pid: flags |= UInt64(CLONE_NEWPID)
            case .network: flags |= UInt64(CLONE_NEWNET)
            case .uts: flags |= UInt64(CLONE_NEWUTS)
            case .ipc: flags |= UInt64(CLONE_NEWIPC)
            // The child unshares it after the sync byte, once it is in the run's cgroup:
            // at clone time a v1 child is still in the runner's cgroups, and a namespace
            // made then would be rooted there (`/proc/self/cgroup` showing `/../../sandbox/…`).
            case .cgroup: break
            }
        }
        return flags
    }

    /// One id each way; an unprivileged parent may map only its own ids, and must deny
    /// setgroups before writing gid_map (user_namespaces(7)).
    static func mapIDs(pid: pid_t, identity: IdentityMapping, privileged: Bool) throws(SandboxError) {
        let base = "/proc/\(pid)"
        if !privileged { try FileSystem.write("deny", to: base + "/setgroups") }
        try FileSystem.write("\(identity.insideUID) \(identity.hostUID) 1\n", to: base + "/uid_map")
        try FileSystem.write("\(identity.insideGID) \(identity.hostGID) 1\n", to: base + "/gid_map")
    }

    /// A detached copy of the bind source, made by the parent, which is privileged over the
    /// host's mounts (an idmapped mount needs that).
    static func cloneForIdmap(_ step: MountStep) throws(SandboxError) -> Int32 {
        guard let source = step.source else { throw SandboxError(.setup, "idmapped mount `\(step.target)` has no source") }
        // No link followed anywhere in the path: it was checked by path, and the worker may
        // swap a directory above it for a link in between (sbx_open_tree_nofollow).
        let fd = sbx_open_tree_nofollow(source, SBX_OPEN_TREE_CLONE_FLAGS)
        guard fd >= 0 else { throw SystemError.last(.setup, "open_tree", path: source) }
        return fd
    }

    /// Idmaps the prepared mounts through the child's user namespace: on-disk ids are read
    /// as ids inside it. Done after the maps are written (the kernel requires them).
    static func applyIdmap(pid: pid_t, prepared: [Int32], plan: SandboxPlan) throws(SandboxError) {
        let nsPath = "/proc/\(pid)/ns/user"
        let userns = open(nsPath, O_RDONLY | O_CLOEXEC)
        guard userns >= 0 else { throw SystemError.last(.setup, "open", path: nsPath) }
        defer { close(userns) }
        for (i, fd) in prepared.enumerated() where fd >= 0 {
            let step = plan.mounts[i]
            guard sbx_mount_setattr(fd, ChildRecipe.flags(step) & ~SBX_MNT_OPTIONAL, userns) == 0 else {
                throw SystemError.last(.setup, "idmap mount (mount_setattr MOUNT_ATTR_IDMAP)", path: step.source)
            }
        }
    }

    struct ProcessBlocks {
        var arguments: (start: UInt, end: UInt) = (0, 0)
        var environment: (start: UInt, end: UInt) = (0, 0)
    }

    /// Where this process's argument and environment strings live (/proc/self/stat fields
    /// 48-51). The child rewrites both so /proc/1/cmdline and /proc/1/environ show nothing
    /// of the caller.
    /// Fails closed: without the ranges the caller's environment would stay readable in the
    /// init's memory.
    static func processBlocks() throws(SandboxError) -> ProcessBlocks {
        let text = try FileSystem.readText("/proc/self/stat")
        guard let fields = ProcStatFields(text), let argStart = fields.number(48), let argEnd = fields.number(49),
              let envStart = fields.number(50), let envEnd = fields.number(51) else {
            throw SandboxError(.setup, "read `/proc/self/stat`: no argument/environment ranges (fields 48-51)")
        }
        return ProcessBlocks(arguments: (UInt(argStart), UInt(argEnd)), environment: (UInt(envStart), UInt(envEnd)))
    }
}
