// Support for the integration tests: finding the built binaries, making temporary worktrees
// and host-side canaries, running `sandbox` with exact control over its fds, environment and
// signals, parsing the probe's JSON, and inspecting the host's /proc afterwards.
//
// How the binaries are found: `swift build --build-tests` puts `sandbox` and `sandbox-probe`
// next to the test bundle (`<scratch>/debug/sandboxPackageTests.xctest`), so they are looked
// up in the directory of /proc/self/exe. SANDBOX_BIN and SANDBOX_PROBE_BIN override that
// (e.g. to test an installed release build). Run the suite with:
//
//     swift build --build-tests && swift test --skip-build --filter SandboxIntegrationTests
//
// The tests need root (they create worktrees owned by other users and check /root); they skip
// with the reason otherwise, and when `sandbox doctor` says strict cannot run on this host.
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

enum Harness {
    // ---- Binaries ------------------------------------------------------------------------

    static let buildDirectory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        // Linux: the test runner is the .xctest executable itself; on other layouts it may
        // sit inside the bundle.
        if dir.hasSuffix(".xctest") { dir = (dir as NSString).deletingLastPathComponent }
        return dir
    }()

    static func binary(_ name: String, override variable: String) throws -> String {
        let path = ProcessInfo.processInfo.environment[variable] ?? buildDirectory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError("`\(path)` is missing: build it first (swift build --build-tests), or set \(variable)")
        }
        return path
    }

    static func sandboxBinary() throws -> String { try binary("sandbox", override: "SANDBOX_BIN") }
    static func probeBinary() throws -> String { try binary("sandbox-probe", override: "SANDBOX_PROBE_BIN") }

    // ---- Preconditions -------------------------------------------------------------------

    /// Why the privileged tests cannot run here, or nil. Computed once per test process.
    static let skipReason: String? = {
        guard geteuid() == 0 else { return "integration tests run the sandbox as root for real; this process is uid \(geteuid())" }
        guard let sandbox = try? sandboxBinary() else { return nil }  // fail later, loudly
        let r = try? run([sandbox, "doctor"], timeout: 30)
        if let r, r.exitCode == 1 {
            return "`sandbox doctor` says strict cannot run on this host:\n\(r.stdout)"
        }
        return nil
    }()

    // ---- Temporary directories and canaries ----------------------------------------------

    /// A fresh directory under /var/tmp (not /tmp: the tests plant canaries in the host /tmp
    /// and must not confuse them with the worktree). Removed by `removeTree`.
    static func makeTempBase() throws -> String {
        var template = Array("/var/tmp/sandbox-it.XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw HarnessError.errno("mkdtemp") }
        let path = String(cString: p)
        chmod(path, 0o755)
        return path
    }

    /// A plain directory worktree owned by uid:gid, holding a copy of the probe at `probe`.
    static func makeWorktree(in base: String, name: String = "wt", uid: uid_t = 0, gid: gid_t = 0, withProbe: Bool = true) throws -> Worktree {
        let path = base + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let worktree = Worktree(path: path)
        if withProbe { try worktree.installProbe() }
        try chown(path, uid, gid)
        return worktree
    }

    static func chown(_ path: String, _ uid: uid_t, _ gid: gid_t) throws {
        guard Glibc.lchown(path, uid, gid) == 0 else { throw HarnessError.errno("lchown \(path)") }
    }

    static func chownRecursively(_ path: String, _ uid: uid_t, _ gid: gid_t) throws {
        try chown(path, uid, gid)
        guard let e = FileManager.default.enumerator(atPath: path) else { return }
        for case let rel as String in e { try chown(path + "/" + rel, uid, gid) }
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw HarnessError.errno("open \(path)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw HarnessError.errno("write \(path)") }
        fchmod(fd, mode)
    }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func lstat(_ path: String) -> stat? {
        var st = stat()
        return Glibc.lstat(path, &st) == 0 ? st : nil
    }

    static func exists(_ path: String) -> Bool { lstat(path) != nil }

    /// rm -rf without following symlinks (a hostile worktree may hold links to /root).
    static func removeTree(_ path: String) {
        guard let st = lstat(path) else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            chmod(path, 0o700)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                removeTree(path + "/" + name)
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Every file under `root` whose mode has S_ISUID or S_ISGID, found on the host side.
    static func setuidOrSetgidFiles(under root: String) -> [String] {
        var found: [String] = []
        func visit(_ path: String) {
            guard let st = lstat(path) else { return }
            if st.st_mode & (S_ISUID | S_ISGID) != 0 { found.append(path) }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { visit(path + "/" + name) }
            }
        }
        visit(root)
        return found
    }

    static func run(_ argv: [String], cwd: String? = nil, environment: [String: String]? = nil, timeout: Double = 60) throws -> RunResult {
        try Launch.start(argv, cwd: cwd, environment: environment).wait(timeout: timeout)
    }

    // ---- The host's view of processes and mounts -----------------------------------------

    /// Host pids whose command line contains `marker` as one argument (ours excluded), and
    /// starts with `argv0` when given (the runner's own command line holds the marker too).
    static func hostProcesses(withArgument marker: String, argv0: String? = nil) -> [pid_t] {
        var result: [pid_t] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { continue }
            let args = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if args.contains(marker), argv0 == nil || args.first == argv0 { result.append(pid) }
        }
        return result
    }

    /// Fields of /proc/PID/status on the host ("Uid" -> "2000000000\t2000000000\t...").
    static func hostStatus(_ pid: pid_t) -> [String: String] {
        guard let text = read("/proc/\(pid)/status") else { return [:] }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// Host pids whose parent is `parent`.
    static func hostChildren(of parent: pid_t) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
            guard let pid = pid_t(name), hostStatus(pid)["PPid"] == String(parent) else { return nil }
            return pid
        }
    }

    /// prctl(PR_SET_CHILD_SUBREAPER): orphans of our children come to us, so a test that
    /// kills the runner can reap the sandbox's init instead of leaving a zombie with a host
    /// PID 1 that may never reap it (this host's does not). prctl is variadic, which Swift
    /// does not import: called through dlsym with its fixed integer arguments.
    static func setChildSubreaper(_ on: Bool) {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return }
        _ = unsafeBitCast(sym, to: Prctl.self)(36 /* PR_SET_CHILD_SUBREAPER */, on ? 1 : 0, 0, 0, 0)
    }

    /// Waits until `condition` holds, polling; false on timeout.
    static func eventually(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Lines of the host's (this process's) mountinfo that mention `path`.
    static func hostMounts(mentioning path: String) -> [String] {
        (read("/proc/self/mountinfo") ?? "").split(separator: "\n").map(String.init).filter { $0.contains(path) }
    }

    /// The host's own namespace links (`user:[4026531837]` ...), to compare with the probe's.
    static func hostNamespaces() -> [String: String] {
        var result: [String: String] = [:]
        for name in ["user", "mnt", "pid", "net", "uts", "ipc", "cgroup"] {
            result[name] = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/" + name)
        }
        return result
    }

    static func uniqueToken(_ prefix: String = "sbxit") -> String {
        prefix + "-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
    }
}

/// A real git repository with linked worktrees (`git worktree add`), made on the host.
struct GitFixture {
    let base: String
    /// The main worktree (the canonical clone); its `.git` is the shared git state.
    var main: String { base + "/repo" }
    var commonDir: String { main + "/.git" }

    /// git with a fixed identity and no user or system configuration.
    static func git(_ args: [String], in dir: String) throws -> RunResult {
        let env = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1",
                   "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "LANG": "C"]
        let r = try Harness.run(["/usr/bin/git", "-C", dir] + args, environment: env)
        guard r.exitCode == 0 else { throw HarnessError("git \(args): \(r.summary)") }
        return r
    }

    init(base: String) throws {
        self.base = base
        try FileManager.default.createDirectory(atPath: main, withIntermediateDirectories: false)
        _ = try Self.git(["init", "-q", "-b", "main"], in: main)
        try Harness.write("one\n", to: main + "/file.txt")
        _ = try Self.git(["add", "file.txt"], in: main)
        _ = try Self.git(["commit", "-q", "-m", "first commit"], in: main)
    }

    /// `git worktree add ../NAME -b NAME`; returns the worktree's path.
    @discardableResult
    func addWorktree(_ name: String) throws -> String {
        _ = try Self.git(["worktree", "add", "-q", "-b", name, "../" + name], in: main)
        return base + "/" + name
    }
}

/// A temporary worktree on the host.
struct Worktree {
    var path: String
    var probe: String { path + "/sandbox-probe" }
    /// The probe as a command line for `sandbox run`, by absolute path inside the sandbox.
    func probe(_ args: String...) -> [String] { [probe] + args }

    func installProbe() throws {
        let source = try Harness.probeBinary()
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        try data.write(to: URL(fileURLWithPath: probe))
        chmod(probe, 0o755)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
    static func errno(_ what: String) -> HarnessError {
        HarnessError("\(what): \(String(cString: strerror(Glibc.errno)))")
    }
}

/// The outcome of one process: shell-style exit code (128+N on signal N), output.
struct RunResult {
    var exitCode: Int32
    var stdout: String
    var stderr: String

    /// The last line of stdout parsed as a JSON object (the probe prints one line).
    func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let last = stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] else {
            throw HarnessError("probe output is not a JSON object (exit \(exitCode)):\nstdout: \(stdout)\nstderr: \(stderr)")
        }
        return object
    }

    var summary: String { "exit \(exitCode)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A started process. Built on posix_spawn rather than Foundation.Process so that the test
/// decides exactly which fds the child inherits (Process closes everything above 2, which
/// would hide a leak the sandbox must close itself) and starts it with default signals.
final class Launch {
    let pid: pid_t
    let outPath: String
    let errPath: String
    private var finished: RunResult?

    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// `inherit` maps child fd -> parent fd, e.g. [7: someOpenFD] (dup2'd, so not CLOEXEC).
    /// `environment` replaces the child's environment; nil passes ours.
    /// `terminal`: a pty slave path, opened as stdin in a new session so that it becomes the
    /// child's controlling terminal (an interactive caller, for --tty).
    static func start(_ argv: [String], cwd: String? = nil, environment: [String: String]? = nil,
                      inherit: [Int32: Int32] = [:], terminal: String? = nil) throws -> Launch {
        let dir = NSTemporaryDirectory() + "sbxit-out-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let out = dir + "/stdout", err = dir + "/stderr"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // glibc runs setsid() before the file actions: opening the terminal without
        // O_NOCTTY then makes it the new session's controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, terminal ?? "/dev/null", terminal == nil ? O_RDONLY : O_RDWR, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        for (child, parent) in inherit { posix_spawn_file_actions_adddup2(&actions, parent, child) }
        if let cwd {
            // Not imported by Swift's Glibc module; glibc >= 2.29 has it.
            guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else {
                throw HarnessError("posix_spawn_file_actions_addchdir_np is not available")
            }
            _ = unsafeBitCast(sym, to: AddChdir.self)(&actions, cwd)
        }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        let setsid: Int32 = terminal == nil ? 0 : 0x80  // POSIX_SPAWN_SETSID (not imported)
        posix_spawnattr_setflags(&attr, Int16(Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | setsid))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cArgv = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer { (cArgv + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, &cArgv, &cEnv)
        guard rc == 0 else { throw HarnessError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        return Launch(pid: pid, outPath: out, errPath: err)
    }

    private init(pid: pid_t, outPath: String, errPath: String) {
        self.pid = pid
        self.outPath = outPath
        self.errPath = errPath
    }

    var stdoutSoFar: String { Harness.read(outPath) ?? "" }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the exit; on timeout kills the process (and fails through the caller's
    /// assertion on the 124-like result: exit code -1).
    func wait(timeout: Double) -> RunResult {
        if let finished { return finished }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        var code: Int32 = -1
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let sig = status & 0x7f
                code = sig == 0 ? (status >> 8) & 0xff : 128 + sig
                break
            }
            if r < 0 && errno != EINTR { break }
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                code = -1
                break
            }
            usleep(5_000)
        }
        let result = RunResult(exitCode: code, stdout: Harness.read(outPath) ?? "", stderr: Harness.read(errPath) ?? "")
        Harness.removeTree((outPath as NSString).deletingLastPathComponent)
        finished = result
        return result
    }
}

/// Base class: skips without root, gives each test a temporary base directory, and checks
/// afterwards that the test left no mount of it behind on the host.
class SandboxTestCase: XCTestCase {
    var base = ""
    var sandbox = ""

    override func setUpWithError() throws {
        if let reason = Harness.skipReason { throw XCTSkip(reason) }
        sandbox = try Harness.sandboxBinary()
        base = try Harness.makeTempBase()
    }

    override func tearDownWithError() throws {
        guard !base.isEmpty else { return }
        let leaked = Harness.hostMounts(mentioning: base)
        Harness.removeTree(base)
        XCTAssertEqual(leaked, [], "mounts of the test's directories were left on the host")
    }

    /// `sandbox run [options] WORKTREE -- COMMAND...`, waiting for the exit.
    func run(_ worktree: String, _ command: [String], options: [String] = [], cwd: String? = nil,
             environment: [String: String]? = nil, inherit: [Int32: Int32] = [:], timeout: Double = 60) throws -> RunResult {
        let launch = try start(worktree, command, options: options, cwd: cwd, environment: environment, inherit: inherit)
        let result = launch.wait(timeout: timeout)
        XCTAssertNotEqual(result.exitCode, -1, "sandbox did not finish within \(timeout)s: \(result.summary)")
        return result
    }

    func start(_ worktree: String, _ command: [String], options: [String] = [], cwd: String? = nil,
               environment: [String: String]? = nil, inherit: [Int32: Int32] = [:]) throws -> Launch {
        try Launch.start([sandbox, "run"] + options + [worktree, "--"] + command,
                         cwd: cwd, environment: environment, inherit: inherit)
    }

    /// Runs the probe in `worktree` and returns its JSON, failing the test unless it exited 0.
    func probe(_ worktree: Worktree, _ args: String..., environment: [String: String]? = nil,
               inherit: [Int32: Int32] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let r = try run(worktree.path, [worktree.probe] + args, environment: environment, inherit: inherit)
        XCTAssertEqual(r.exitCode, 0, "probe \(args) failed: \(r.summary)", file: file, line: line)
        return try r.json()
    }
}

// ---- Small JSON accessors ----------------------------------------------------------------

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func bool(_ key: String) -> Bool? { (self[key] as? NSNumber)?.boolValue }
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
    func strings(_ key: String) -> [String]? { self[key] as? [String] }
    var ok: Bool { bool("ok") ?? false }
    var errnoName: String { string("errno_name") ?? "none" }
}
