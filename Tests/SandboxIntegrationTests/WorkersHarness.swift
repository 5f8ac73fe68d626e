// The Workers* integration tests' fixture, built on the shared harness (SandboxHarness.swift:
// Harness, GitFixture, Launch): a git repository with linked worktrees, and a private state
// directory (SANDBOX_STATE_DIR) so that other runs on the host neither disturb these tests'
// counts of records and locks nor are disturbed by them.
#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
@testable import SandboxRuntime

struct WorkersFixture {
    let base: String
    let git: GitFixture
    let state: String
    let sandbox: String

    static var skipReason: String? { Harness.skipReason }

    init(worktrees: [String] = []) throws {
        base = try Harness.makeTempBase()
        git = try GitFixture(base: base)
        state = base + "/state"
        sandbox = try Harness.sandboxBinary()
        for name in worktrees { try git.addWorktree(name) }
    }

    var repo: String { git.main }
    func path(_ worker: String) -> String { base + "/" + worker }
    func cleanup() { Harness.removeTree(base) }

    func sh(_ command: String) throws {
        let r = try Harness.run(["/bin/sh", "-c", command])
        guard r.exitCode == 0 else { throw HarnessError("`\(command)`: \(r.summary)") }
    }

    /// The environment `sandbox` gets: the private state directory, and `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SANDBOX_STATE_DIR": state,
         "HOME": "/root", "LANG": "C"].merging(extra) { $1 }
    }

    /// Starts `sandbox ARGS` in the repository (worker names resolve against its worktrees).
    /// `uid`: as that user (setpriv), with a state directory of its own.
    func start(_ args: [String], as uid: uid_t? = nil) throws -> Launch {
        let user = uid.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups"] } ?? []
        let env = environment(uid.map { ["SANDBOX_STATE_DIR": "/tmp/sandbox-workers-state-\($0)"] } ?? [:])
        return try Launch.start(user + [sandbox] + args, cwd: repo, environment: env)
    }

    func run(_ args: [String], timeout: Double = 60, as uid: uid_t? = nil) throws -> RunResult {
        try start(args, as: uid).wait(timeout: timeout)
    }

    var registry: RunRegistry { RunRegistry(state: StateDirectory(path: state)) }

    /// Files in the private state directory's runs/ and locks/.
    func stateFiles() -> [String] {
        DirectoryListing.names(in: state + "/runs").map { "runs/" + $0 }
            + DirectoryListing.names(in: state + "/locks").map { "locks/" + $0 }
    }

    /// The run of `worker` once it is running (its init launched), from the registry.
    func running(_ worker: String) -> RunRecord? {
        registry.live().first { $0.worker == worker && $0.phase == .running }
    }

    /// Host processes whose working directory is `path`: a sandbox's init and command sit
    /// in their worktree, mounted at its own path.
    static func processes(in path: String) -> [Int32] {
        DirectoryListing.names(in: "/proc").compactMap { Int32($0) }.filter {
            FileSystem.readLink("/proc/\($0)/cwd") == path
        }
    }

    func report(_ path: String) throws -> RunReport {
        guard let report = JSONInput.decode(RunReport.self, from: try FileSystem.read(path)) else {
            throw HarnessError("`\(path)` is not a run report")
        }
        return report
    }
}
