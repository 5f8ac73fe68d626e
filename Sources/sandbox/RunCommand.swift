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
        let host = HostProbe.facts()
        let result: RunReport
        do {
            let plan = try options.makePlan(host: host)
            result = SandboxRunner.run(plan, isRoot: host.isRoot)
        } catch {
            // Nothing was started: a report still says why, for harnesses that read it.
            if let report { try? JSONOutput.writeReport(failedBeforeStart(error), to: report) }
            throw error
        }
        if let error = result.error {
            Output.error("\(error.stage): \(error.message)")
        }
        if let report {
            do { try JSONOutput.writeReport(result, to: report) } catch {
                Output.error(error.description)
                throw ExitCode(ExitCodes.runnerFailure)
            }
        }
        throw ExitCode(result.exitCode)
    }

    func failedBeforeStart(_ error: SandboxError) -> RunReport {
        RunReport(
            id: SandboxRunner.newRunID(), worker: options.worker, worktree: "", profile: options.profile,
            command: options.command, termination: .setupFailed(error), startedAt: "", wallMs: 0,
            cpuUserMs: 0, cpuSystemMs: 0)
    }
}
