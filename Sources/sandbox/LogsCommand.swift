import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import SandboxRuntime

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the output of WORKER's latest run (or of run ID), as the caller saw it.",
        discussion: """
            Each run's stdout and stderr are copied to a log outside every worktree (the last \
            10 runs of a worker, 8 MiB each), so logs outlive the worktree and the sandbox \
            cannot rewrite them. --tty runs are not logged.
            """)

    @Flag(help: "Keep printing what a live run writes, until it ends.")
    var follow = false

    @Option(name: .customLong("run"), help: ArgumentHelp("Which run: 1 is the latest (default), 2 the one before, ...", valueName: "N"))
    var runIndex: Int = 1

    @Argument(help: "A worker (name, branch or path) or a run id.")
    var target: String

    func run() throws {
        let run = runIndex
        guard run >= 1 else { throw SandboxError(.usage, "--run \(run): 1 is the latest run") }
        let state = try RegistryAccess.state()
        let store = LogStore(state: state)
        let logs = Self.logs(of: target, store: store, registry: RunRegistry(state: state))
        guard logs.count >= run else {
            let known = store.allDirectories().compactMap { $0.worktree?.split(separator: "/").last.map(String.init) }
            let hint = logs.isEmpty ? DidYouMean.clause(for: target, among: known) : " (\(logs.count) kept)"
            Output.error("logs: no\(run > 1 ? " run \(run)" : "") log of `\(target)`\(hint)")
            throw ExitCode(1)
        }
        let path = logs[logs.count - run]
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError.last(.state, "open log", path: path) }
        defer { close(fd) }
        copy(fd)
        guard follow, let live = RunRegistry(state: state).live().first(where: { $0.log == path }) else { return }
        let pidfd = StopSender.openSupervisor(live)
        defer { if pidfd >= 0 { close(pidfd) } }
        while pidfd >= 0 {
            var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            let ended = poll(&p, 1, 200) > 0
            copy(fd)
            if ended { break }
        }
    }

    /// Logs of the runs `target` names, oldest first: a run id (prefix), or a worker by
    /// name, branch or path; the worktree itself may be gone.
    static func logs(of target: String, store: LogStore, registry: RunRegistry) -> [String] {
        let directories = store.allDirectories()
        let resolved = RegistryAccess.worktreePath(target)
        let liveWorktrees = registry.live().filter { $0.worker == target || $0.branch == target }.map(\.worktree)
        var found: [String] = []
        for (dir, worktree) in directories {
            let base = worktree?.split(separator: "/").last.map(String.init)
            let logs = store.logs(in: dir)
            if let worktree, worktree == resolved || liveWorktrees.contains(worktree) || (resolved == nil && base == target) {
                found += logs
            } else if target.count >= 4 {
                found += logs.filter { LogRetention.runID(ofLog: $0.split(separator: "/").last.map(String.init) ?? "")?.hasPrefix(target) == true }
            }
        }
        return found.sorted { ($0.split(separator: "/").last ?? "") < ($1.split(separator: "/").last ?? "") }
    }

    func copy(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            Output.write(Array(buffer[0..<n]))
        }
    }
}
