import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import SandboxRuntime

struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "Stop a run: every process in it gets SIGTERM, then SIGKILL after the grace period.",
        discussion: """
            The run's supervisor delivers the signal to every process of the sandbox and \
            records who stopped it in the report (`stopped_by`). With --signal, only that \
            signal is sent (no SIGKILL afterwards, unless --grace is given). Waits for the run \
            to end unless --no-wait. Exit 1 when no run matched.
            """)

    @Option(help: ArgumentHelp("The signal to send: a name (TERM, SIGINT, KILL) or number.", valueName: "SIG"))
    var signal: String?

    @Option(help: ArgumentHelp("Seconds between the signal and SIGKILL (default 10 without --signal).", valueName: "SECONDS"))
    var grace: UInt16?

    @Flag(help: "Stop every live run (no WORKER then), or every run of WORKER.")
    var all = false

    @Flag(help: "Return once the request is sent.")
    var noWait = false

    @Argument(help: "A worker (name, branch or path) or a run id.")
    var target: String?

    func run() throws {
        let number: Int32
        if let signal {
            guard let parsed = SignalNames.parse(signal) else {
                throw SandboxError(.usage, "--signal \(signal): not a signal name or number")
            }
            // The sandbox's init passes on only these (init.c); any other would wait there
            // undelivered while this command reported it sent.
            let deliverable = Supervisor.forwardedSignals + [SIGKILL]
            guard deliverable.contains(parsed) else {
                throw SandboxError(.usage, "--signal \(signal): the sandbox can be sent only \(deliverable.map(SignalNames.name).joined(separator: ", "))")
            }
            number = parsed
        } else {
            number = SIGTERM
        }
        let request = StopRequest(signal: number, graceSeconds: grace ?? (signal == nil ? 10 : 0))
        let registry = RunRegistry(state: try RegistryAccess.state())
        let runs: [RunRecord]
        if let target {
            runs = try RegistryAccess.runs(target, registry: registry)
            if runs.count > 1 && !all {
                throw SandboxError(.usage, "`\(target)` names \(runs.count) runs (\(runs.map(\.shortID).joined(separator: ", "))); give an id, or --all")
            }
        } else {
            guard all else { throw SandboxError(.usage, "kill: give WORKER or a run id, or --all") }
            runs = registry.live()
        }
        guard !runs.isEmpty else {
            Output.write(Array("no live runs\n".utf8))
            throw ExitCode(1)
        }
        var pending: [(RunRecord, Int32)] = []
        for record in runs {
            pending.append((record, try StopSender.send(request, to: record)))
        }
        for (record, pidfd) in pending {
            defer { close(pidfd) }
            let what = "run \(record.shortID) (\(record.worker))"
            if noWait {
                Output.write(Array("\(SignalNames.name(number)) sent to \(what)\n".utf8))
                continue
            }
            // The grace period, then a little for the report and the teardown.
            let limit = (Int(request.graceSeconds) + 10) * 1000
            if StopSender.waitForExit(pidfd: pidfd, milliseconds: limit) {
                Output.write(Array("stopped \(what)\n".utf8))
            } else {
                Output.error("\(what) still running \(limit / 1000) s after \(SignalNames.name(number))")
                throw ExitCode(1)
            }
        }
    }
}
