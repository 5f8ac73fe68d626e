import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `--report FILE` and the runner's own failures (exit 125, one line on stderr).
final class ReportTests: SandboxTestCase {
    /// Issue 2's names, stable from then on; later issues may add fields (a subset check).
    static let documentedKeys: Set = [
        "schema", "id", "worker", "worktree", "profile", "command", "status", "exit_code", "signal",
        "started_at", "wall_ms", "cpu_user_ms", "cpu_system_ms", "error",
    ]

    func readReport(_ path: String) throws -> [String: Any] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "no report at \(path)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func parseRFC3339(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }

    func testReportOfAnExitedRun() throws {
        let wt = try Harness.makeWorktree(in: base)
        let reportPath = base + "/report.json"
        let before = Date()
        // The probe sleeps 0.3 s, then the shell exits 42.
        let command = ["sh", "-c", "\(wt.probe) sleep 0.3 >/dev/null; exit 42"]
        let r = try run(wt.path, command, options: ["--report", reportPath])
        let after = Date()
        XCTAssertEqual(r.exitCode, 42, r.summary)
        let report = try readReport(reportPath)
        XCTAssertTrue(Self.documentedKeys.isSubset(of: report.keys), "missing: \(Self.documentedKeys.subtracting(report.keys))")
        XCTAssertEqual(report.int("schema"), 1)
        XCTAssertFalse(report.string("id")?.isEmpty ?? true)
        XCTAssertEqual(report.string("worker"), "wt")
        XCTAssertEqual(report.string("worktree"), wt.path)
        XCTAssertEqual(report.string("profile"), "strict")
        XCTAssertEqual(report.strings("command"), command)
        XCTAssertEqual(report.string("status"), "exited")
        XCTAssertEqual(report.int("exit_code"), 42)
        XCTAssertTrue(report["signal"] is NSNull, "signal must be present and null: \(report)")
        XCTAssertTrue(report["error"] is NSNull, "error must be present and null: \(report)")
        let started = try XCTUnwrap(parseRFC3339(report.string("started_at") ?? ""), "not RFC 3339: \(report["started_at"] ?? "")")
        XCTAssertGreaterThanOrEqual(started.timeIntervalSince(before), -1)
        XCTAssertLessThanOrEqual(started.timeIntervalSince(after), 1)
        let wall = try XCTUnwrap(report.int("wall_ms"))
        XCTAssertGreaterThanOrEqual(wall, 300, "the command slept 300 ms")
        XCTAssertLessThanOrEqual(Double(wall), after.timeIntervalSince(before) * 1000 + 50)
        XCTAssertNotNil(report.int("cpu_user_ms"))
        XCTAssertNotNil(report.int("cpu_system_ms"))

        // Two runs get different ids.
        _ = try run(wt.path, ["true"], options: ["--report", reportPath])
        XCTAssertNotEqual(try readReport(reportPath).string("id"), report.string("id"))
    }

    func testReportOfASignaledRun() throws {
        let wt = try Harness.makeWorktree(in: base)
        let reportPath = base + "/report.json"
        let r = try run(wt.path, wt.probe("kill-self", "9"), options: ["--report", reportPath])
        XCTAssertEqual(r.exitCode, 137)
        let report = try readReport(reportPath)
        XCTAssertEqual(report.string("status"), "signaled")
        XCTAssertEqual(report.int("signal"), 9)
        XCTAssertEqual(report.int("exit_code"), 137)
        XCTAssertTrue(report["error"] is NSNull)
    }

    func testReportOfASetupFailure() throws {
        let wt = try Harness.makeWorktree(in: base)
        symlink("/root", wt.path + "/.git")
        let reportPath = base + "/report.json"
        let r = try run(wt.path, ["true"], options: ["--report", reportPath])
        XCTAssertEqual(r.exitCode, 125, r.summary)
        let report = try readReport(reportPath)
        XCTAssertTrue(Self.documentedKeys.isSubset(of: report.keys), "missing: \(Self.documentedKeys.subtracting(report.keys))")
        XCTAssertEqual(report.string("status"), "setup_failed")
        XCTAssertEqual(report.int("exit_code"), 125)
        let error = try XCTUnwrap(report.object("error"), "\(report)")
        XCTAssertFalse(error.string("stage")?.isEmpty ?? true)
        XCTAssertTrue(error.string("message")?.contains(".git") ?? false, "\(error)")
    }

    func testUnknownWorkerIs125AndListsKnownWorktrees() throws {
        let repo = try GitFixture(base: base)
        try repo.addWorktree("alpha")
        try repo.addWorktree("beta")
        let r = try Launch.start([sandbox, "run", "no-such-worker", "--", "true"], cwd: repo.main).wait(timeout: 60)
        XCTAssertEqual(r.exitCode, 125, r.summary)
        XCTAssertEqual(r.stdout, "")
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line expected: \(r.stderr)")
        for name in ["no-such-worker", "alpha", "beta"] {
            XCTAssertTrue(r.stderr.contains(name), "stderr should name \(name): \(r.stderr)")
        }
    }

    func testUsageErrorsAre125() throws {
        for args in [["run"], ["run", "--profile", "no-such-profile", base, "--", "true"], ["run", "--env", "1BAD=x", base, "--", "true"], ["frobnicate"]] {
            let r = try Harness.run([sandbox] + args)
            XCTAssertEqual(r.exitCode, 125, "\(args): \(r.summary)")
            XCTAssertFalse(r.stderr.isEmpty, "\(args): no message")
        }
        // No command and stdin not a terminal (the harness gives /dev/null).
        let r = try Harness.run([sandbox, "run", base])
        XCTAssertEqual(r.exitCode, 125, r.summary)
    }
}
