import ArgumentParser
import SandboxCore
import SandboxRuntime

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether WORKER (or run ID) is running; exit 0 when it is, 1 when not.")

    @Flag(help: "Print the status as JSON.")
    var json = false

    @Argument(help: "A worker (name, branch or path) or a run id (or a prefix of at least 4 characters).")
    var target: String

    func run() throws {
        let registry = RunRegistry(state: try RegistryAccess.state())
        let runs: [RunRecord]
        do { runs = try RegistryAccess.runs(target, registry: registry) } catch {
            if json {
                Output.write(Array("{\"running\": false, \"target\": \(Self.quoted(target))}\n".utf8))
            } else {
                Output.write(Array("\(target): not running\n".utf8))
            }
            throw ExitCode(1)
        }
        let statuses = runs.map(RunStatus.init)
        if json {
            struct Answer: Encodable {
                var running = true
                var runs: [RunStatus]
            }
            Output.write(try JSONOutput.encode(Answer(runs: statuses)))
            return
        }
        var text = ""
        for s in statuses {
            let r = s.run
            text += "run \(r.shortID)  worker \(r.worker)\(r.branch.map { " (branch \($0))" } ?? "")  \(r.phase.rawValue)\n"
            text += "  worktree   \(r.worktree)\n"
            text += "  command    \(r.command.joined(separator: " "))\n"
            text += "  profile    \(r.profile)\n"
            text += "  pid        \(r.supervisorPID) (supervisor)\(r.initPID.map { ", \($0) (init)" } ?? "")\n"
            text += "  started    \(r.startedAt) (\(WorkerFormat.duration(milliseconds: s.elapsedMs)) ago)\n"
            text += "  output     " + (s.sinceLastOutputMs.map { "last \(WorkerFormat.duration(milliseconds: $0)) ago" }
                ?? (r.log == nil ? "not logged (--tty)" : "none yet")) + "\n"
            text += "  memory     \(WorkerFormat.bytes(s.memoryBytes))   cpu \(WorkerFormat.cpu(milliseconds: s.cpuMs))\n"
        }
        Output.write(Array(text.utf8))
    }

    static func quoted(_ text: String) -> String {
        (try? JSONOutput.encode(text, pretty: false)).map { String(decoding: $0.dropLast(), as: UTF8.self) } ?? "\"\""
    }
}
