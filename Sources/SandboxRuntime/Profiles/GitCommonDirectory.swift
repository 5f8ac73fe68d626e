import Glibc

/// The top level of the repository's main worktree, from
/// `git rev-parse --path-format=absolute --git-common-dir` run in `directory`: the common dir
/// is `<main worktree>/.git`, the same from every linked worktree, so a worker's own
/// `.sandbox/profiles` is never consulted. Nil outside a repository or without git.
///
/// Spawning git costs 3-7 ms here, more than a whole bubblewrap run, so the common case is
/// answered by reading the files git itself reads (`.git` directory, or a `.git` file's
/// `gitdir:` and that gitdir's `commondir`), and git is spawned only when something is
/// unusual: GIT_* discovery variables set, a repository not owned by the caller (git's
/// safe.directory rule), a symlinked `.git`, a filesystem boundary, anything unreadable.
/// `ProfileLookupTests` checks that both ways agree.
enum GitCommonDirectory {
    static func mainWorktree(around directory: String, environment: [String]) -> String? {
        switch fastMainWorktree(around: directory, environment: environment) {
        case .found(let path): return path
        case .none: return nil
        case .askGit: return gitMainWorktree(around: directory, environment: environment)
        }
    }

    enum FastAnswer: Equatable { case found(String), none, askGit }

    /// Variables that change how git finds a repository.
    static let discoveryVariables = ["GIT_DIR=", "GIT_COMMON_DIR=", "GIT_WORK_TREE=", "GIT_CEILING_DIRECTORIES=", "GIT_DISCOVERY_ACROSS_FILESYSTEM="]

    static func fastMainWorktree(around directory: String, environment: [String]) -> FastAnswer {
        if environment.contains(where: { item in discoveryVariables.contains { item.hasPrefix($0) } }) { return .askGit }
        guard var dir = ProfileFiles.realPath(directory) else { return .askGit }
        var info = stat()
        guard stat(dir, &info) == 0 else { return .askGit }
        let device = info.st_dev
        while true {
            let dotGit = dir == "/" ? "/.git" : dir + "/.git"
            if lstat(dotGit, &info) == 0 {
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    // A main worktree (or a plain repository): its .git is the common dir.
                    guard access(dotGit + "/HEAD", F_OK) == 0, access(dotGit + "/commondir", F_OK) != 0 else { return .askGit }
                    return ownedByCaller(dotGit) ? .found(dir) : .askGit
                case S_IFREG:
                    return linkedWorktree(dotGitFile: dotGit, in: dir)
                default:
                    return .askGit
                }
            } else if errno != ENOENT {
                return .askGit
            }
            if dir == "/" { return .none }
            let parent = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
            dir = parent.isEmpty ? "/" : parent
            // git stops at a filesystem boundary (GIT_DISCOVERY_ACROSS_FILESYSTEM).
            guard stat(dir, &info) == 0, info.st_dev == device else { return .askGit }
        }
    }

    /// A linked worktree's `.git` file: "gitdir: <dir>"; that dir's `commondir` names the
    /// common dir (relative to it).
    static func linkedWorktree(dotGitFile: String, in dir: String) -> FastAnswer {
        guard case .file(_, let bytes) = ProfileFiles.read(dotGitFile) else { return .askGit }
        var text = trimmedLine(bytes)
        guard text.hasPrefix("gitdir: ") else { return .askGit }
        text.removeFirst(8)
        let gitdir = text.hasPrefix("/") ? text : dir + "/" + text
        guard case .file(_, let commonBytes) = ProfileFiles.read(gitdir + "/commondir") else { return .askGit }
        let common = trimmedLine(commonBytes)
        guard let real = ProfileFiles.realPath(common.hasPrefix("/") ? common : gitdir + "/" + common),
              ownedByCaller(real), access(real + "/HEAD", F_OK) == 0 else { return .askGit }
        // A bare repository's worktrees have no main worktree.
        guard real.hasSuffix("/.git") else { return .none }
        let parent = String(real.dropLast(5))
        return .found(parent.isEmpty ? "/" : parent)
    }

    /// The text without trailing CR/LF bytes (byte-wise: "\r\n" is one Character in Swift).
    static func trimmedLine(_ bytes: [UInt8]) -> String {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// git's safe.directory default: the repository belongs to the caller.
    static func ownedByCaller(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_uid == geteuid()
    }

    static func gitMainWorktree(around directory: String, environment: [String]) -> String? {
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
