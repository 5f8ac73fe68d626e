import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import SandboxCore
import SandboxRuntime

/// The binary's handling of WORKER names and of command-line errors, without running anything.
final class CommandLineTests: XCTestCase {
    var base = ""
    let env = ["PATH": "/usr/bin:/bin", "LANG": "C", "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1"]

    override func setUpWithError() throws { base = try CLI.makeTempDir() }
    override func tearDown() { if !base.isEmpty { CLI.removeTree(base) } }

    func git(_ args: String...) throws {
        let r = try CLI.run(["/usr/bin/git", "-c", "user.name=t", "-c", "user.email=t@t"] + args, environment: env)
        XCTAssertEqual(r.exitCode, 0, "git \(args): \(r.summary)")
    }

    /// repo (main), worktree dir `api` on branch `api`, dir `wt-b` on branch `feature-b`.
    func makeRepo() throws -> String {
        let repo = base + "/repo"
        try git("init", "-q", "-b", "main", repo)
        try git("-C", repo, "commit", "-q", "--allow-empty", "-m", "init")
        try git("-C", repo, "worktree", "add", "-q", "-b", "api", base + "/api")
        try git("-C", repo, "worktree", "add", "-q", "-b", "feature-b", base + "/wt-b")
        return repo
    }

    func planWorktree(_ worker: String, cwd: String) throws -> CLI.Result {
        try CLI.run([try CLI.sandboxBinary(), "plan", worker, "--", "true"], cwd: cwd, environment: env)
    }

    func worktreeOf(_ r: CLI.Result) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["worktree"] as? String
    }

    func testWorkerNamesResolveByDirectoryThenBranch() throws {
        let repo = try makeRepo()
        XCTAssertEqual(worktreeOf(try planWorktree("api", cwd: repo)), base + "/api")
        XCTAssertEqual(worktreeOf(try planWorktree("wt-b", cwd: repo)), base + "/wt-b")
        XCTAssertEqual(worktreeOf(try planWorktree("feature-b", cwd: repo)), base + "/wt-b", "a branch name names its worktree")
        // From inside another worktree of the same repository, too.
        XCTAssertEqual(worktreeOf(try planWorktree("api", cwd: base + "/wt-b")), base + "/api")
        // A path wins over a name, and is made absolute.
        XCTAssertEqual(worktreeOf(try planWorktree("../api", cwd: repo)), base + "/api")
    }

    /// `kill --signal` takes only what the sandbox's init passes on; anything else would be
    /// reported sent and never delivered.
    func testKillRefusesSignalsTheSandboxCannotReceive() throws {
        let r = try CLI.run([try CLI.sandboxBinary(), "kill", "--signal", "ALRM", "no-such-worker"], cwd: base, environment: env)
        XCTAssertEqual(r.exitCode, 125, r.summary)
        XCTAssertTrue(r.stderr.contains("can be sent only"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    /// SANDBOX_TRACE_STARTUP prints one line of stage times (ms) to stderr; unset, nothing.
    func testStartupTraceOnlyWhenAsked() throws {
        let dir = base + "/w"
        mkdir(dir, 0o755)
        let quiet = try CLI.run([try CLI.sandboxBinary(), "plan", dir, "--", "true"], environment: env)
        XCTAssertEqual(quiet.exitCode, 0, quiet.summary)
        XCTAssertFalse(quiet.stderr.contains("startup-trace"), quiet.stderr)
        var traced = env
        traced["SANDBOX_TRACE_STARTUP"] = "1"
        let r = try CLI.run([try CLI.sandboxBinary(), "plan", dir, "--", "true"], environment: traced)
        XCTAssertEqual(r.exitCode, 0, r.summary)
        XCTAssertEqual(r.stdout, quiet.stdout, "tracing changes no output")
        let line = try XCTUnwrap(r.stderr.split(separator: "\n").first { $0.hasPrefix("startup-trace:") }, r.stderr)
        var stages: [String: Double] = [:]
        for item in line.split(separator: " ").dropFirst() {
            let parts = item.split(separator: "=")
            XCTAssertEqual(parts.count, 2, String(item))
            stages[String(parts[0])] = Double(parts[1])
        }
        for name in ["main", "worker", "profile", "finish", "total"] {
            XCTAssertNotNil(stages[name], "\(name) missing or not a number: \(line)")
        }
        // "1" is no plausible spawn time: the first stage then counts from `main` itself.
        XCTAssertEqual(stages["main"], 0, String(line))
    }

    func testUnknownWorkerIs125AndListsKnownOnes() throws {
        let repo = try makeRepo()
        let r = try planWorktree("nope", cwd: repo)
        XCTAssertEqual(r.exitCode, 125, r.summary)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        for name in ["nope", "repo", "api", "wt-b"] { XCTAssertTrue(r.stderr.contains(name), "\(name): \(r.stderr)") }
        // Outside any repository, the message says so instead.
        let outside = try planWorktree("nope", cwd: base)
        XCTAssertEqual(outside.exitCode, 125, outside.summary)
        XCTAssertTrue(outside.stderr.contains("nope"), outside.stderr)
    }

    func testCommandLineErrorsAre125WithOneLine() throws {
        let sandbox = try CLI.sandboxBinary()
        let wt = base + "/wt"
        try FileManager.default.createDirectory(atPath: wt, withIntermediateDirectories: false)
        let cases: [[String]] = [
            ["frobnicate"],                                       // unknown subcommand
            ["plan"],                                             // no WORKER
            ["plan", "--profile", "no-such-profile", wt, "--", "true"],
            ["plan", "--env", "1BAD=x", wt, "--", "true"],
            ["plan", "--env", "A B", wt, "--", "true"],
            ["plan", "--bogus-flag", wt, "--", "true"],
            ["plan", wt],                                         // no COMMAND, stdin not a terminal
            ["plan", base + "/missing", "--", "true"],
            ["run", "--profile", "no-such-profile", wt, "--", "true"],
        ]
        for args in cases {
            let r = try CLI.run([sandbox] + args, cwd: base, environment: env)
            XCTAssertEqual(r.exitCode, 125, "\(args): \(r.summary)")
            XCTAssertEqual(r.stdout, "", "\(args)")
            XCTAssertGreaterThanOrEqual(r.stderr.split(separator: "\n").count, 1, "\(args): no message")
            XCTAssertTrue(r.stderr.hasPrefix("sandbox: ") || r.stderr.contains("Usage") || r.stderr.contains("usage"),
                          "\(args): \(r.stderr)")
        }
        // Help is not an error.
        let help = try CLI.run([sandbox, "--help"], environment: env)
        XCTAssertEqual(help.exitCode, 0, help.summary)
        XCTAssertTrue(help.stdout.contains("run"))
    }

    /// A runner error names the stage and stays on one line, even for a path with a newline.
    func testErrorForAPathWithANewlineIsOneLine() throws {
        let r = try CLI.run([try CLI.sandboxBinary(), "plan", base + "/no\nsuch", "--", "true"], cwd: base, environment: env)
        XCTAssertEqual(r.exitCode, 125, r.summary)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("sandbox: worker: "), r.stderr)
    }
}

/// Report JSON as the CLI writes it (JSONOutput), for the statuses the core's own test does
/// not cover. Expected texts follow issue 2's schema: every field present, null when absent,
/// keys sorted, exit_code 128+N for signal N and 125 for a setup failure; plus the seccomp
/// issue's `denied_syscalls`, empty when the filter denied nothing.
final class ReportGoldenTests: XCTestCase {
    func encode(_ termination: Termination) throws -> String {
        let report = RunReport(id: "0123456789abcdef", worker: "api", worktree: "/w/api", profile: "strict",
                               command: ["sleep", "60"], termination: termination,
                               startedAt: "2026-11-25T13:00:00.000Z", wallMs: 1500, cpuUserMs: 3, cpuSystemMs: 4)
        return String(decoding: try JSONOutput.encode(report, pretty: false), as: UTF8.self)
    }

    func testSignaledReport() throws {
        XCTAssertEqual(try encode(.signaled(signal: 15)), """
            {"command":["sleep","60"],"cpu_system_ms":4,"cpu_throttled_ms":null,"cpu_usage_ms":null,"cpu_user_ms":3,"denied_syscalls":[],"error":null,"exit_code":143,"id":"0123456789abcdef",\
            "limits":null,"log":null,"memory_peak_bytes":null,"oom_kills":null,"pids_peak":null,"pids_peak_is_lower_bound":false,\
            "profile":"strict","schema":1,"settings":null,"signal":15,"started_at":"2026-11-25T13:00:00.000Z","status":"signaled",\
            "stopped_by":null,"wall_ms":1500,"worker":"api","worktree":"/w/api"}

            """)
    }

    func testSetupFailedReportCarriesStageAndMessage() throws {
        let error = SandboxError(.setup, "bind `/usr` on `/usr`: Permission denied (EACCES) \"quoted\"")
        XCTAssertEqual(try encode(.setupFailed(error)), """
            {"command":["sleep","60"],"cpu_system_ms":4,"cpu_throttled_ms":null,"cpu_usage_ms":null,"cpu_user_ms":3,"denied_syscalls":[],"error":{"message":"bind `/usr` on `/usr`: \
            Permission denied (EACCES) \\"quoted\\"","stage":"setup"},"exit_code":125,"id":"0123456789abcdef",\
            "limits":null,"log":null,"memory_peak_bytes":null,"oom_kills":null,"pids_peak":null,"pids_peak_is_lower_bound":false,\
            "profile":"strict","schema":1,"settings":null,"signal":null,"started_at":"2026-11-25T13:00:00.000Z","status":"setup_failed",\
            "stopped_by":null,"wall_ms":1500,"worker":"api","worktree":"/w/api"}

            """)
    }

    func testExecFailuresKeepTheirExitCodes() throws {
        for (code, stage) in [(ExitCodes.notFound, SandboxError.Stage.exec), (ExitCodes.cannotExecute, .exec)] {
            let text = try encode(.setupFailed(SandboxError(stage, "x", exitCode: code)))
            XCTAssertTrue(text.contains("\"exit_code\":\(code),"), text)
        }
        XCTAssertEqual(ExitCodes.runnerFailure, 125)
        XCTAssertEqual(ExitCodes.cannotExecute, 126)
        XCTAssertEqual(ExitCodes.notFound, 127)
        XCTAssertEqual(ExitCodes.signaled(2), 130)
    }
}
