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
            if arg == "--tty" || arg == "--quiet" {
                guard seen.insert(arg).inserted else { return nil }
                if arg == "--tty" { result.tty = true } else { result.quiet = true }
                continue
            }
            if arg.hasPrefix("-") {
                var name = arg, value: String?
                if let eq = arg.firstIndex(of: "=") {
                    name = String(arg[..<eq])
                    value = String(arg[arg.index(after: eq)...])
                }
                guard ["--profile", "--env", "--report"].contains(name), name != "--report" || allowReport else { return nil }
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
