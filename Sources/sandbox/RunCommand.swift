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

    func run() throws {
        throw ExitCode(Self.execute(options.arguments(report: report)))
    }

    /// Runs the sandbox and returns the exit code; prints the one-line error, if any.
    static func execute(_ arguments: RunArguments) -> Int32 {
        // One driver per command: its view of the host plans the run and then executes it.
        let cgroups = CgroupDriverFactory.make()
        let host = HostProbe.facts(cgroups: cgroups)
        var result: RunReport
        do throws(SandboxError) {
            let prepared = try arguments.prepare(host: host)
            result = SandboxRunner.run(prepared.plan, isRoot: host.isRoot, cgroups: cgroups)
            result.settings = prepared.settings
        } catch {
            // Nothing was started: a report still says why, for harnesses that read it.
            if let report = arguments.report { try? JSONOutput.writeReport(failedBeforeStart(error, arguments), to: report) }
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
        if let report = arguments.report {
            do { try JSONOutput.writeReport(result, to: report) } catch {
                Output.error(error.description)
                return ExitCodes.runnerFailure
            }
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
