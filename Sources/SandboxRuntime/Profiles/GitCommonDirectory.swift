import Glibc

/// The top level of the repository's main worktree, from
/// `git rev-parse --path-format=absolute --git-common-dir` run in `directory`: the common dir
/// is `<main worktree>/.git`, the same from every linked worktree, so a worker's own
/// `.sandbox/profiles` is never consulted. Nil outside a repository or without git.
enum GitCommonDirectory {
    static func mainWorktree(around directory: String, environment: [String]) -> String? {
        guard let output = run(["git", "-C", directory, "rev-parse", "--path-format=absolute", "--git-common-dir"],
                               environment: environment) else { return nil }
        var path = output
        while path.hasSuffix("\n") { path.removeLast() }
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return nil }
        // A bare repository has no worktree: its common dir is not named ".git".
        guard path[path.index(after: slash)...] == ".git" else { return nil }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    /// Runs a command, returns its standard output when it exits 0.
    static func run(_ argv: [String], environment: [String]) -> String? {
        var pipeFDs: [Int32] = [-1, -1]
        // Glibc's Swift module has no pipe2; the pipe lives only for this call.
        guard pipe(&pipeFDs) == 0 else { return nil }
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        close(pipeFDs[1])
        defer { close(pipeFDs[0]) }
        guard spawned == 0 else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while output.count < 65536 {
            let n = read(pipeFDs[0], &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0 without the macros Swift does not import.
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
