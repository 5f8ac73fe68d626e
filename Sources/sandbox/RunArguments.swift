/// What `run` and `plan` were asked, however the command line was parsed.
struct RunArguments: Equatable {
    var profile = "strict"
    var report: String?
    var environment: [String] = []
    var tty = false
    var quiet = false
    var worker = ""
    var command: [String] = []
    // Only the full parser reads these (the fast path declines options it does not know).
    var memory: String?
    var pids: String?
    var cpus: String?
    var timeout: String?
    var network: String?
    var roBind: [String] = []
    var bind: [String] = []
    var tmpfs: [String] = []
    var unsetEnv: [String] = []
    var allowUnenforced: [String] = []
    /// Worker resolution (run and plan).
    var workersDir: String?
    var allowMain = false
    var envFile: String?
    /// `run` only: wait for a busy worktree; the events target.
    var wait = false
    var events: String?
}

/// `sandbox run` wraps every command an agent runs, so its start-up time counts; swift-
/// argument-parser's reflection costs about 1.5 ms of it. This parser accepts exactly the
/// documented `run`/`plan` grammar and answers nil for anything else (help, an unknown or
/// repeated option, a missing worker), which then goes through swift-argument-parser and
/// its messages. `SANDBOX_NO_FAST_PARSE=1` forces the slow path; a test runs both on the
/// same command lines and requires the same plan.
enum FastRunParser {
    static func parse(_ args: ArraySlice<String>, allowReport: Bool) -> RunArguments? {
        var result = RunArguments()
        var seen: Set<String> = []
        var worker: String?
        var i = args.startIndex
        while i < args.endIndex {
            let arg = args[i]
            i += 1
            if arg == "--" {
                result.command = Array(args[i...])
                break
            }
            if ["--tty", "--quiet", "--allow-main", "--wait"].contains(arg) {
                guard seen.insert(arg).inserted, arg != "--wait" || allowReport else { return nil }
                switch arg {
                case "--tty": result.tty = true
                case "--quiet": result.quiet = true
                case "--allow-main": result.allowMain = true
                default: result.wait = true
                }
                continue
            }
            if arg.hasPrefix("-") {
                var name = arg, value: String?
                if let eq = arg.firstIndex(of: "=") {
                    name = String(arg[..<eq])
                    value = String(arg[arg.index(after: eq)...])
                }
                let runOnly = name == "--report" || name == "--events"
                guard ["--profile", "--env", "--report", "--events", "--workers-dir", "--env-file"].contains(name), !runOnly || allowReport else { return nil }
                if value == nil {
                    guard i < args.endIndex, !args[i].hasPrefix("-") else { return nil }
                    value = args[i]
                    i += 1
                }
                guard let value, !value.isEmpty || name == "--env" else { return nil }
                switch name {
                case "--env": result.environment.append(value)
                case "--profile":
                    guard seen.insert(name).inserted else { return nil }
                    result.profile = value
                case "--events":
                    guard seen.insert(name).inserted else { return nil }
                    result.events = value
                case "--workers-dir":
                    guard seen.insert(name).inserted else { return nil }
                    result.workersDir = value
                case "--env-file":
                    guard seen.insert(name).inserted else { return nil }
                    result.envFile = value
                default:
                    guard seen.insert(name).inserted else { return nil }
                    result.report = value
                }
                continue
            }
            guard worker == nil else { return nil }  // a second positional: let the full parser explain
            worker = arg
        }
        guard let worker else { return nil }
        result.worker = worker
        return result
    }
}
