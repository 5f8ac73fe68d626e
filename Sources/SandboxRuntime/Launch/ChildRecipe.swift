#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Translates a `SandboxPlan` into the C `sbx_recipe` the child runs. Everything is
/// resolved here, in the parent; the child only follows pointers.
struct ChildRecipe {
    let storage = CStrings()
    var recipe = sbx_recipe()

    /// `preparedFDs[i]` is the parent's detached (idmapped) mount for mount step i, or -1.
    init(plan: SandboxPlan, preparedFDs: [Int32], pipes: LaunchPipes,
         blocks: Launcher.ProcessBlocks, dropGroups: Bool, keepCapabilities: UInt64 = 0, cgroupTasksFiles: [Int32] = [],
         output: (stdout: Int32, stderr: Int32) = (-1, -1), loopbackIsUp: Bool = false) {
        recipe.sync_fd = pipes.syncRead
        recipe.report_fd = pipes.reportWrite
        recipe.cgroup_tasks_fds = UnsafePointer(storage.array(cgroupTasksFiles))
        recipe.cgroup_tasks_count = cgroupTasksFiles.count
        recipe.parent_fds = (pipes.syncWrite, pipes.reportRead, pipes.notifyParent, pipes.filterWrite)
        recipe.notify_sock = pipes.notifyChild
        recipe.stdout_fd = output.stdout
        recipe.stderr_fd = output.stderr
        recipe.uid = plan.identity.insideUID
        recipe.gid = plan.identity.insideGID
        recipe.drop_groups = dropGroups ? 1 : 0
        recipe.env_start = blocks.environment.start
        recipe.env_end = blocks.environment.end
        recipe.arg_start = blocks.arguments.start
        recipe.arg_end = blocks.arguments.end
        recipe.root_base = storage.string(plan.root.base)
        recipe.root_data = storage.string(plan.root.options)
        let mounts = plan.mounts.enumerated().map { i, step in
            Self.mount(step, preparedFD: preparedFDs[i], storage: storage)
        }
        recipe.mounts = storage.array(mounts)
        recipe.mount_count = mounts.count
        recipe.hostname = storage.string(plan.hostname)
        // A prepared network namespace has `lo` up already (and the child could not change it).
        recipe.loopback_up = plan.loopbackUp && plan.namespaces.contains(.network) && !loopbackIsUp ? 1 : 0
        let limits = plan.rlimits.map { sbx_rlimit(resource: Self.resource($0.resource), soft: $0.soft, hard: $0.hard) }
        recipe.rlimits = UnsafePointer(storage.array(limits))
        recipe.rlimit_count = limits.count
        recipe.cwd = storage.string(plan.workingDirectory)
        recipe.argv = storage.stringArray(plan.argv)
        recipe.envp = storage.stringArray(plan.environment)
        recipe.path = storage.string(plan.searchPath)
        recipe.new_session = plan.newSession ? 1 : 0
        // Not a clone flag: created once the child is in the run's cgroup (Launcher).
        recipe.unshare_cgroup_ns = plan.namespaces.contains(.cgroup) ? 1 : 0
        recipe.foreground_tty = plan.tty ? 1 : 0
        recipe.keep_caps = keepCapabilities
        // The filter itself follows on this socket once the child is released (Launcher.sendFilter).
        recipe.filter_fd = pipes.filterRead
    }

    static func mount(_ step: MountStep, preparedFD: Int32, storage: CStrings) -> sbx_mount {
        var m = sbx_mount()
        m.kind = Int32(kind(step.kind).rawValue)
        if preparedFD >= 0 { m.kind = Int32(SBX_MOUNT_FD.rawValue) }
        m.flags = flags(step)
        m.source = storage.optionalString(step.source)
        m.target = storage.string(step.target)
        m.data = storage.optionalString(step.options)
        m.fd = preparedFD
        return m
    }

    static func flags(_ step: MountStep) -> UInt32 {
        var f: UInt32 = 0
        if step.readOnly { f |= SBX_MNT_RDONLY }
        if step.nosuid { f |= SBX_MNT_NOSUID }
        if step.nodev { f |= SBX_MNT_NODEV }
        if step.noexec { f |= SBX_MNT_NOEXEC }
        if step.optional { f |= SBX_MNT_OPTIONAL }
        return f
    }

    static func kind(_ kind: MountStep.Kind) -> sbx_mount_kind {
        switch kind {
        case .bind: SBX_MOUNT_BIND
        case .tmpfs: SBX_MOUNT_TMPFS
        case .proc: SBX_MOUNT_PROC
        case .devpts: SBX_MOUNT_DEVPTS
        case .symlink: SBX_MOUNT_SYMLINK
        case .mask: SBX_MOUNT_MASK
        case .readOnly: SBX_MOUNT_READONLY
        case .directory: SBX_MOUNT_DIR
        }
    }

    static func resource(_ resource: ResourceLimit.Resource) -> Int32 {
        switch resource {
        case .core: Int32(RLIMIT_CORE.rawValue)
        case .nofile: Int32(RLIMIT_NOFILE.rawValue)
        case .fsize: Int32(RLIMIT_FSIZE.rawValue)
        case .nproc: Int32(__RLIMIT_NPROC.rawValue)  // a macro for Swift
        }
    }
}
