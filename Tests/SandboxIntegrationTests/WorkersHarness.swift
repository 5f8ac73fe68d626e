// Support for the Workers* integration tests: the built `sandbox` binary run as a separate
// process (the registry, locks and crash recovery are about processes), with a private
// state directory so that other runs on the host neither disturb nor are disturbed, and a
// git repository with linked worktrees.
#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
@testable import SandboxRuntime

struct WorkersError: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}

/// A `sandbox` process: started, then waited for with a timeout; stdout and stderr captured.
final class SandboxProcess {
    let pid: pid_t
    private var out: Int32
    private var err: Int32
    private(set) var stdout: [UInt8] = []
    private(set) var stderr: [UInt8] = []
    private(set) var status: Int32?

    init(pid: pid_t, out: Int32, err: Int32) {
        self.pid = pid
        self.out = out
        self.err = err
    }

    deinit {
        if status == nil { kill(pid, SIGKILL); _ = wait(timeout: 5) }
        if out >= 0 { close(out) }
        if err >= 0 { close(err) }
    }

    var exitCode: Int32 {
        guard let status else { return -1 }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
    var output: String { String(decoding: stdout, as: UTF8.self) }
    var errors: String { String(decoding: stderr, as: UTF8.self) }

    /// Reads both pipes until EOF and reaps the process; kills it after `timeout` seconds.
    @discardableResult
    func wait(timeout: Double = 60) -> Bool {
        let deadline = Clock.monotonicNanoseconds() + UInt64(timeout * 1e9)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out >= 0 || err >= 0 {
            let now = Clock.monotonicNanoseconds()
            if now >= deadline {
                kill(pid, SIGKILL)
                break
            }
            var fds = [pollfd(fd: out, events: Int16(POLLIN), revents: 0), pollfd(fd: err, events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, Int32(min(1000, (deadline - now) / 1_000_000 + 1)))
            if rc <= 0 { continue }
            for (i, fd) in [out, err].enumerated() where fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if i == 0 { stdout += buffer[0..<n] } else { stderr += buffer[0..<n] }
                } else if n == 0 || errno != EINTR {
                    close(fd)
                    if i == 0 { out = -1 } else { err = -1 }
                }
            }
        }
        var st: Int32 = 0
        while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
        status = st
        return Clock.monotonicNanoseconds() < deadline
    }
}

/// A private state directory, a repository with linked worktrees, and the binary.
struct WorkersFixture {
    let base: String
    let repo: String
    let state: String
    let sandbox: String

    static let skipReason: String? = {
        getuid() == 0 ? nil : "needs root: runs sandboxes in real namespaces"
    }()

    init(worktrees: [String] = []) throws {
        var template = Array("/var/tmp/sandbox-workers.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw WorkersError("mkdtemp failed") }
        base = String(cString: made)
        chmod(base, 0o755)
        repo = base + "/repo"
        state = base + "/state"
        sandbox = try Self.binary()
        try sh("git init -q -b main \(repo) && git -C \(repo) -c user.name=t -c user.email=t@t commit -q --allow-empty -m init")
        for name in worktrees { try addWorktree(name) }
    }

    static func binary() throws -> String {
        if let explicit = getenv("SANDBOX_BIN") { return String(cString: explicit) }
        let exe = FileSystem.readLink("/proc/self/exe") ?? ""
        var dir = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
        if dir.hasSuffix(".xctest") { dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.endIndex)]) }
        let path = dir + "/sandbox"
        guard access(path, X_OK) == 0 else { throw WorkersError("`\(path)` is missing: swift build --build-tests first, or set SANDBOX_BIN") }
        return path
    }

    @discardableResult
    func addWorktree(_ name: String) throws -> String {
        try sh("git -C \(repo) worktree add -q -b \(name) \(base)/\(name)")
        return base + "/" + name
    }

    func path(_ worker: String) -> String { base + "/" + worker }

    func sh(_ command: String) throws {
        let r = try Subprocess.run(["sh", "-c", command])
        guard r.status == 0 else { throw WorkersError("`\(command)` failed (\(r.status))") }
    }

    func cleanup() {
        _ = try? Subprocess.run(["rm", "-rf", base])
    }

    /// Starts `sandbox ARGS` in the repository with the private state directory.
    /// `uid`: run as that user (setpriv), with a state directory of its own in /tmp.
    func start(_ args: [String], environment extra: [String] = [], as uid: uid_t? = nil) throws -> SandboxProcess {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw WorkersError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        let stateDir = uid.map { "\(base)/state-\($0)" } ?? state
        let env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SANDBOX_STATE_DIR=\(stateDir)",
                   "HOME=/root", "LANG=C"] + extra
        // In the repository (worker names resolve against its worktrees); exec keeps the pid.
        let user = uid.map { ["setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups"] } ?? []
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", repo] + user + [sandbox] + args
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgs, cEnv)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw WorkersError("posix_spawn \(sandbox): \(rc)")
        }
        return SandboxProcess(pid: pid, out: outPipe[0], err: errPipe[0])
    }

    /// Runs `sandbox ARGS` to the end.
    func run(_ args: [String], timeout: Double = 60, environment: [String] = [], as uid: uid_t? = nil) throws -> SandboxProcess {
        let p = try start(args, environment: environment, as: uid)
        p.wait(timeout: timeout)
        return p
    }

    var registry: RunRegistry { RunRegistry(state: StateDirectory(path: state)) }

    /// Files in the private state directory's runs/ and locks/.
    func stateFiles() -> [String] {
        DirectoryListing.names(in: state + "/runs").map { "runs/" + $0 }
            + DirectoryListing.names(in: state + "/locks").map { "locks/" + $0 }
    }

    /// Waits until `condition` holds, polling every 20 ms; false after `timeout` seconds.
    static func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Clock.monotonicNanoseconds() + UInt64(timeout * 1e9)
        while Clock.monotonicNanoseconds() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Host processes whose working directory is `path` (a sandbox's init and command sit
    /// in their worktree), and host mounts that mention `path`.
    static func processes(in path: String) -> [Int32] {
        DirectoryListing.names(in: "/proc").compactMap { Int32($0) }.filter {
            FileSystem.readLink("/proc/\($0)/cwd") == path
        }
    }

    static func mounts(mentioning path: String) -> [String] {
        ((try? FileSystem.readText("/proc/self/mountinfo", limit: 8 << 20)) ?? "")
            .split(separator: "\n").map(String.init).filter { $0.contains(path) }
    }

    func report(_ path: String) throws -> RunReport {
        let bytes = try FileSystem.read(path)
        guard let report = JSONInput.decode(RunReport.self, from: bytes) else { throw WorkersError("bad report \(path)") }
        return report
    }
}
