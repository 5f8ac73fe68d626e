import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import SandboxRuntime

@main
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a command in its own namespaces, rooted at a git worktree, never as host root.",
        subcommands: [RunCommand.self, PlanCommand.self, DoctorCommand.self, ProfileCommand.self, PsCommand.self,
                      StatusCommand.self, KillCommand.self, LogsCommand.self, GcCommand.self])

    /// One place maps failures to exit codes: the runner's own failures (including command
    /// line errors, which swift-argument-parser would exit with 64) are 125.
    static func main() {
        StartupTrace.start()
        // An ignored SIGCHLD is inherited across execve, and with it the kernel reaps our
        // children unasked: the runner could not wait for its init, nor the init for the
        // command. Whatever the caller ignored, we wait for our own children.
        signal(SIGCHLD, SIG_DFL)
        if let bad = firstInvalidUTF8Argument() {
            Output.error("usage: argument \(bad) is not valid UTF-8; sandbox takes text arguments only (it would otherwise pass on a different name)")
            finish(ExitCodes.runnerFailure)
        }
        let args = CommandLine.arguments.dropFirst()
        // gc sweeps itself, and says what it removed; run sweeps while its sandbox sets up
        // (WorkerSession), off the startup path.
        if args.first != "gc" && args.first != "run" { sweepStaleRuns() }
        StartupTrace.mark("sweep")
        if getenv("SANDBOX_NO_FAST_PARSE") == nil, let verb = args.first, verb == "run" || verb == "plan",
           let parsed = FastRunParser.parse(args.dropFirst(), allowReport: verb == "run") {
            finish(fastPath(verb, parsed))
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as SandboxError {
            Output.error(error.description)
            finish(error.exitCode)
        } catch let code as ExitCode {
            finish(code.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            Output.error("usage: " + message(for: error))
            Glibc.exit(ExitCodes.runnerFailure)
        }
    }
}

extension SandboxCommand {
    /// Swift decodes argv replacing invalid bytes with U+FFFD, so `run $'\\377wt'` would
    /// name another directory (`\u{FFFD}wt`) than the caller meant, and a command argument
    /// would reach the command changed. Refused instead (exit 125), never rewritten.
    static func firstInvalidUTF8Argument() -> Int? {
        for i in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[i] else { break }
            if String(validatingCString: raw) == nil { return i }
        }
        return nil
    }

    /// Crash recovery, before any command: records and locks of runs whose supervisor died
    /// are removed. Quiet, and never in the way: a state directory that cannot be opened
    /// here is reported by the commands that need it.
    static func sweepStaleRuns() {
        // No state directory yet: nothing to sweep (the first `run` creates it). One that is
        // not this user's private directory (a /tmp/sandbox-UID made by someone else) is not
        // read at all: its records could name any directory for the sweep to remove. The
        // commands that use it refuse it with the reason (StateDirectory.open).
        let path = StateDirectory.defaultPath()
        guard StateDirectory.isPrivate(path) else { return }
        StateSweeper(state: StateDirectory(path: path)).sweep()
    }

    static func fastPath(_ verb: String, _ arguments: RunArguments) -> Int32 {
        if verb == "run" { return RunCommand.execute(arguments) }
        do {
            try PlanCommand.execute(arguments)
            return 0
        } catch {
            Output.error(error.description)
            return error.exitCode
        }
    }

    /// Exits without running atexit handlers or tearing the Swift runtime down (measurable
    /// at this binary's size); stdio is flushed first for `print`ed output.
    static func finish(_ code: Int32) -> Never {
        fflush(nil)
        StartupTrace.mark("finish")
        StartupTrace.flush()
        _exit(code)
    }
}

enum Output {
    static func error(_ line: String) {
        let text = "sandbox: " + line.replacingNewlines() + "\n"
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    static func write(_ bytes: [UInt8], fd: Int32 = 1) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }
}

private extension String {
    /// Errors are one line: a path with a newline in it must not forge a second one.
    func replacingNewlines() -> String {
        String(map { $0 == "\n" ? "⏎" : $0 })
    }
}
