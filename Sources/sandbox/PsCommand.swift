import ArgumentParser
import SandboxCore
import SandboxRuntime

struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List live runs: ID WORKER PROFILE PID PHASE ELAPSED MEM CPU.",
        discussion: "PID is the supervisor's (`sandbox run`); MEM and CPU are the run's process tree (or cgroup).")

    @Flag(help: "Print the runs as a JSON array.")
    var json = false

    func run() throws {
        let registry = RunRegistry(state: try RegistryAccess.state())
        let runs = registry.live().map(RunStatus.init)
        if json {
            Output.write(try JSONOutput.encode(runs))
            return
        }
        var rows = [["ID", "WORKER", "PROFILE", "PID", "PHASE", "ELAPSED", "MEM", "CPU"]]
        for s in runs {
            rows.append([
                s.run.shortID, s.run.worker, s.run.profile, String(s.run.supervisorPID), s.run.phase.rawValue,
                WorkerFormat.duration(milliseconds: s.elapsedMs), WorkerFormat.bytes(s.memoryBytes),
                WorkerFormat.cpu(milliseconds: s.cpuMs),
            ])
        }
        Output.write(Array(WorkerFormat.table(rows).utf8))
    }
}
