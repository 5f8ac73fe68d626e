import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import SandboxRuntime

/// The arguments `run` and `plan` share: everything that decides the plan.
struct RunOptions: ParsableArguments {
    @Option(help: "Profile name (built-in: strict) or file.")
    var profile: String = "strict"

    @Option(name: .customLong("env"), help: ArgumentHelp("Set NAME=VALUE, or pass NAME through from the caller.", valueName: "NAME[=VALUE]"))
    var environment: [String] = []

    @Option(help: ArgumentHelp("Set the variables of FILE (NAME=VALUE lines, read by the runner); --env wins.", valueName: "FILE"))
    var envFile: String?

    @Flag(help: "Give the command the terminal: no new session, its own foreground process group.")
    var tty = false

    @Option(help: ArgumentHelp("Memory limit (cgroup), e.g. 2GiB; swap stays off.", valueName: "SIZE"))
    var memory: String?

    @Option(help: ArgumentHelp("Most processes and threads at once (cgroup).", valueName: "N"))
    var pids: String?

    @Option(help: ArgumentHelp("CPU time as a number of CPUs, e.g. 1.5 (a cgroup quota).", valueName: "N"))
    var cpus: String?

    @Option(help: ArgumentHelp("Wall-clock timeout, e.g. 90s or 10m.", valueName: "DURATION"))
    var timeout: String?

    @Option(help: ArgumentHelp("none, loopback or host.", valueName: "MODE"))
    var network: String?

    @Option(name: .customLong("ro-bind"), help: ArgumentHelp("Bind a host path read-only.", valueName: "SRC[:DST]"))
    var roBind: [String] = []

    @Option(help: ArgumentHelp("Bind a host path read-write.", valueName: "SRC[:DST]"))
    var bind: [String] = []

    @Option(help: ArgumentHelp("A private tmpfs.", valueName: "DST[:SIZE]"))
    var tmpfs: [String] = []

    @Option(name: .customLong("unset-env"), help: ArgumentHelp("Do not pass NAME in.", valueName: "NAME"))
    var unsetEnv: [String] = []

    @Option(help: ArgumentHelp("Run even if this host cannot enforce LIMIT (memory, swap, pids, cpu, io); the report records it.", valueName: "LIMIT"))
    var allowUnenforced: [String] = []

    @Flag(help: "Do not print a line for each syscall the seccomp policy denied.")
    var quiet = false

    @Option(help: ArgumentHelp("Look WORKER up in DIR too, after the worktrees of the repository (default: $SANDBOX_WORKERS_DIR).", valueName: "DIR"))
    var workersDir: String?

    @Flag(help: "Allow the repository's main worktree as WORKER (refused by default).")
    var allowMain = false

    @Argument(help: "A worktree directory, or the name of a worktree of the repository around the current directory (base name, then branch), or of a directory in the workers folder.")
    var worker: String

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after `--`.")
    var command: [String] = []

    func arguments(report: String? = nil) -> RunArguments {
        RunArguments(
            profile: profile, report: report, environment: environment, tty: tty, quiet: quiet, worker: worker,
            command: command, memory: memory, pids: pids, cpus: cpus, timeout: timeout, network: network,
            roBind: roBind, bind: bind, tmpfs: tmpfs, unsetEnv: unsetEnv, allowUnenforced: allowUnenforced,
            workersDir: workersDir, allowMain: allowMain, envFile: envFile)
    }
}

/// A plan and the settings it was made from (the report's "settings"), and the worktree.
struct PreparedRun {
    var plan: SandboxPlan
    var settings: EffectiveSettings
    var worktree: WorktreeInfo
}

extension RunArguments {
    /// Worker, profile (looked up, never from the worktree or a path the sandbox can
    /// write), flags over the profile, then the plan.
    func prepare(host: HostFacts) throws(SandboxError) -> PreparedRun {
        let cwd = try currentDirectory()
        let worktree = try WorktreeResolver.resolve(worker, currentDirectory: cwd, options: resolverOptions(host: host))
        StartupTrace.mark("worker")
        let overrides = try ProfileOverrides(
            memory: memory, pids: pids, cpus: cpus, timeout: timeout, network: network, roBind: roBind, bind: bind,
            tmpfs: tmpfs, unsetEnv: unsetEnv)
        let loaded = try ProfileLoader.forCurrentProcess().loadForRun(
            profile, worktree: worktree.path, writable: overrides.readWriteBinds.map(\.source))
        let effective = overrides.apply(to: loaded.profile)
        StartupTrace.mark("profile")
        var environmentItems: [EnvironmentOverride] = []
        if let envFile {
            environmentItems = try EnvFileReader.read(envFile, currentDirectory: cwd, worktree: worktree.path)
        }
        for item in environment { environmentItems.append(try EnvironmentOverride(parsing: item)) }
        var allowed: [CgroupLimit] = []
        for name in allowUnenforced {
            guard let limit = CgroupLimit(rawValue: name) else {
                throw SandboxError(.usage, "--allow-unenforced \(name): expected one of \(CgroupLimit.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            allowed.append(limit)
        }
        let seccompFile = try SeccompPolicyFile.read(
            effective.seccomp.policy, worktree: worktree.path,
            writable: effective.filesystem.readWrite.map(\.source))
        let request = RunRequest(command: command, environment: environmentItems, tty: tty, stdinIsTerminal: isatty(0) == 1,
                                 allowUnenforced: allowed)
        let plan = try Planner.plan(profile: effective, request: request, host: host, worktree: worktree, seccompFile: seccompFile)
        return PreparedRun(plan: plan, settings: EffectiveSettings(profile: effective, files: loaded.files, overrides: overrides),
                           worktree: worktree)
    }

    /// `--workers-dir` (or SANDBOX_WORKERS_DIR), `--allow-main`, and what must never be a
    /// worktree: the runner's state directory and the caller's home.
    func resolverOptions(host: HostFacts) -> WorktreeResolver.Options {
        let environment = host.callerEnvironment
        return WorktreeResolver.Options(
            workersDirectory: workersDir ?? environment["SANDBOX_WORKERS_DIR"], allowMain: allowMain,
            stateDirectory: StateDirectory.defaultPath(uid: geteuid(), environment: environment),
            home: environment["HOME"].map { [$0] } ?? [])
    }

    func currentDirectory() throws(SandboxError) -> String {
        guard let cwd = getcwd(nil, 0) else { throw SystemError.last(.worker, "getcwd") }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}
