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

    @Flag(help: "Give the command the terminal: no new session, its own foreground process group.")
    var tty = false

    @Flag(help: "Do not print a line for each syscall the seccomp policy denied.")
    var quiet = false

    @Argument(help: "A worktree directory, or the name of a worktree of the repository around the current directory.")
    var worker: String

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after `--`.")
    var command: [String] = []

    func arguments(report: String? = nil) -> RunArguments {
        RunArguments(
            profile: profile, report: report, environment: environment, tty: tty, quiet: quiet, worker: worker,
            command: command)
    }
}

extension RunArguments {
    func makePlan(host: HostFacts) throws(SandboxError) -> SandboxPlan {
        let worktree = try WorktreeResolver.resolve(worker, currentDirectory: currentDirectory())
        guard let profile = BuiltinProfiles.named(profile) else {
            let known = BuiltinProfiles.all.map(\.name).joined(separator: ", ")
            throw SandboxError(.profile, "unknown profile \"\(self.profile)\" (built-in: \(known))")
        }
        var overrides: [EnvironmentOverride] = []
        for item in environment { overrides.append(try EnvironmentOverride(parsing: item)) }
        let request = RunRequest(command: command, environment: overrides, tty: tty, stdinIsTerminal: isatty(0) == 1)
        return try Planner.plan(profile: profile, request: request, host: host, worktree: worktree)
    }

    func currentDirectory() throws(SandboxError) -> String {
        guard let cwd = getcwd(nil, 0) else { throw SystemError.last(.worker, "getcwd") }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}
