import ArgumentParser
import SandboxCore
import SandboxRuntime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run COMMAND sandboxed in WORKER's worktree; exit with its status.",
        discussion: """
            Exit status: the command's; 128+N when it died of signal N; 125 when the runner \
            itself failed; 126 when the command cannot be executed; 127 when it is not found.
            """)

    @OptionGroup var options: RunOptions

    @Option(help: "Write the JSON run report to FILE.")
    var report: String?

    @Flag(help: "When another run holds the worktree, wait for it instead of failing at once.")
    var wait = false

    @Option(help: ArgumentHelp("Write events (started, denied, signal, exited...) as JSON lines to FILE, or to descriptor N.", valueName: "FILE|fd:N"))
    var events: String?

    func run() throws {
        var arguments = options.arguments(report: report)
        arguments.wait = wait
        arguments.events = events
        throw ExitCode(Self.execute(arguments))
    }

    /// Runs the sandbox and returns the exit code; prints the one-line error, if any.
    static func execute(_ arguments: RunArguments) -> Int32 {
        // One driver per command: its view of the host plans the run and then executes it.
        let cgroups = CgroupDriverFactory.make()
        let host = HostProbe.facts(cgroups: cgroups)
        StartupTrace.mark("host")
        var result: RunReport
        var reportError: SandboxError?
        var worktree: String?
        do throws(SandboxError) {
            let prepared = try arguments.prepare(host: host)
            StartupTrace.mark("plan")
            worktree = prepared.worktree.path
            var session = WorkerSession(state: try StateDirectory.openDefault())
            session.wait = arguments.wait
            session.sweepsStaleRuns = true
            session.events = arguments.events
            session.report = arguments.report
            session.notice = { if !arguments.quiet { Output.error($0) } }
            session.annotate = { $0.settings = prepared.settings }
            session.finished = { report in
                guard let path = arguments.report else { return }
                do throws(SandboxError) {
                    // Checked again now: the run's own sandbox had the worktree read-write and
                    // could have swapped a directory on the way for a link. It is gone now, and
                    // the worktree lock keeps every other sandbox of this worktree out.
                    try OutputPath.check(path, worktree: report.worktree, option: "--report")
                    try JSONOutput.writeReport(report, to: path)
                } catch { reportError = error }
            }
            result = try session.run(prepared.plan, branch: prepared.worktree.branch, isRoot: host.isRoot, cgroups: cgroups)
        } catch {
            // Nothing was started: a report still says why, for harnesses that read it (not
            // through a link in the worktree: see OutputPath).
            if let report = arguments.report,
               worktree.map({ (try? OutputPath.check(report, worktree: $0, option: "--report")) != nil }) ?? true {
                try? JSONOutput.writeReport(failedBeforeStart(error, arguments), to: report)
            }
            Output.error(error.description)
            return error.exitCode
        }
        if let error = result.error {
            Output.error("\(error.stage): \(error.message)")
        }
        if !arguments.quiet {
            for denied in result.deniedSyscalls {
                Output.error("seccomp: denied \(denied.name) (\(denied.count)×)")
            }
        }
        if let reportError {
            Output.error(reportError.description)
            return ExitCodes.runnerFailure
        }
        return result.exitCode
    }

    static func failedBeforeStart(_ error: SandboxError, _ arguments: RunArguments) -> RunReport {
        RunReport(
            id: SandboxRunner.newRunID(), worker: arguments.worker, worktree: "", profile: arguments.profile,
            command: arguments.command, termination: .setupFailed(error), startedAt: "", wallMs: 0,
            cpuUserMs: 0, cpuSystemMs: 0)
    }
}
