// The fast path for `run`/`plan` (RunArguments.swift) must accept exactly the grammar
// swift-argument-parser accepts: each command line here is run through both parsers (the
// slow one forced with SANDBOX_NO_FAST_PARSE=1) and must give the same plan, or the same
// error and exit code. Includes the workers flags (--wait, --events, --env-file,
// --workers-dir, --allow-main) and lines the fast path must decline.
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class FastParseTests: XCTestCase {
    func testBothParsersAgree() throws {
        let sandbox = try CLI.sandboxBinary()
        let dir = try CLI.makeTempDir()
        defer { CLI.removeTree(dir) }
        let wt = dir + "/wt", folder = dir + "/workers"
        try FileManager.default.createDirectory(atPath: wt, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: folder + "/w1", withIntermediateDirectories: true)
        try "A=1\nB='two'\n".write(toFile: dir + "/env", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/repo/.git", withIntermediateDirectories: true)
        let lines: [[String]] = [
            ["plan", wt, "--", "true"],
            ["plan", "--env-file", dir + "/env", wt, "--", "sh", "-c", "echo $A"],
            ["plan", "--env-file=" + dir + "/env", "--env", "A=2", wt, "--", "true"],
            ["plan", "--workers-dir", folder, "w1", "--", "true"],
            ["plan", "--workers-dir=" + folder, "w2", "--", "true"],
            ["plan", dir + "/repo", "--", "true"],
            ["plan", "--allow-main", dir + "/repo", "--", "true"],
            ["plan", "--allow-main", "--allow-main", dir + "/repo", "--", "true"],
            ["plan", "--wait", wt, "--", "true"],
            ["plan", "--events", "fd:3", wt, "--", "true"],
            ["plan", "--env-file", wt, "--", "true"],
            ["plan", "--env-file", dir + "/missing", wt, "--", "true"],
            ["plan", "--env-file", wt],
        ]
        let env = ["PATH": "/usr/bin:/bin", "HOME": "/root", "SANDBOX_STATE_DIR": dir + "/state"]
        for line in lines {
            XCTAssertNil(try CLI.compareParsers(sandbox, line, cwd: dir, environment: env).problem)
        }
        // And the plans that worked carry what the flags said.
        let planned = try CLI.run([sandbox, "plan", "--env-file", dir + "/env", "--env", "B=3", wt, "--", "true"], cwd: dir, environment: env)
        XCTAssertEqual(planned.exitCode, 0, planned.summary)
        XCTAssertTrue(planned.stdout.contains("\"A=1\"") && planned.stdout.contains("\"B=3\""), planned.stdout)
    }
}
