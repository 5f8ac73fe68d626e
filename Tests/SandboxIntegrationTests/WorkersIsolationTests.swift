#if canImport(Glibc)
import Glibc
#endif
import Testing
import SandboxCore
@testable import SandboxRuntime

/// Eight workers run at once, each in its own worktree of one repository, each writing,
/// listing and reading files: none sees another's files, processes, /tmp, network or
/// logs, and every report is right. Real namespaces (root).
@Suite(.serialized, .enabled(if: WorkersFixture.skipReason == nil, "needs root: runs sandboxes in real namespaces"))
struct WorkersIsolationTests {
    static let count = 8

    /// What each worker runs: waits for `go` (so that all eight are live together), then
    /// writes its own files and reports what it can see, one fact a line.
    static func script(_ n: Int, base: String) -> String {
        """
        while [ ! -e go ]; do sleep 0.02; done
        echo secret-\(n) > mine-\(n).txt
        echo tmp-\(n) > /tmp/tmp-\(n)
        echo "files: $(ls | tr '\\n' ' ')"
        echo "read: $(cat mine-\(n).txt)"
        echo "tmp: $(ls /tmp | tr '\\n' ' ')"
        echo "procs: $(ls /proc | grep -c '^[0-9]')"
        echo "netdevs: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"
        for i in $(seq 1 \(count)); do [ -e \(base)/w$i ] && echo "sees-worktree: w$i"; done
        [ -e /run/sandbox ] && echo "sees: /run/sandbox"
        [ -e \(base)/state ] && echo "sees: state"
        echo "pid1: $(cat /proc/1/comm)"
        exit \(n)
        """
    }

    @Test func eightWorkersSideBySide() throws {
        let fixture = try WorkersFixture(worktrees: (1...Self.count).map { "w\($0)" })
        defer { fixture.cleanup() }
        var runs: [Launch] = []
        for n in 1...Self.count {
            runs.append(try fixture.start(["run", "--report", fixture.base + "/report-\(n).json", "w\(n)", "--",
                                           "sh", "-c", Self.script(n, base: fixture.base)]))
        }
        // All eight are registered and running at the same time before any of them goes on.
        let allRunning = Harness.eventually(timeout: 30) {
            fixture.registry.live().filter { $0.phase == .running }.count == Self.count
        }
        #expect(allRunning, "eight live runs in the registry")
        let ps = try fixture.run(["ps", "--json"])
        for n in 1...Self.count { #expect(ps.stdout.contains("\"worker\" : \"w\(n)\""), "\(ps.stdout)") }
        for n in 1...Self.count { try fixture.sh("touch \(fixture.path("w\(n)"))/go") }
        let results = runs.map { $0.wait(timeout: 60) }

        for (i, run) in results.enumerated() {
            let n = i + 1
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(run.exitCode == Int32(n), "w\(n): \(run.stderr)")
            #expect(lines.contains("read: secret-\(n)"))
            // Its worktree holds its own file and none of the others'.
            let files = lines.first { $0.hasPrefix("files: ") } ?? ""
            #expect(files.contains("mine-\(n).txt"))
            for other in 1...Self.count where other != n { #expect(!files.contains("mine-\(other).txt"), "w\(n) sees w\(other)'s file") }
            // Its /tmp holds only its own file.
            #expect(lines.contains("tmp: tmp-\(n) "), "w\(n): \(lines.first { $0.hasPrefix("tmp:") } ?? "")")
            // Its own PID namespace: the init, the shell, and the subshell, ls and grep of
            // that line (every other worker has at least two processes of its own).
            let procs = Int(lines.first { $0.hasPrefix("procs: ") }?.dropFirst(7) ?? "") ?? 99
            #expect(procs >= 2 && procs <= 5, "w\(n) sees \(procs) processes")
            #expect(lines.contains("netdevs: lo "), "w\(n): only loopback")
            #expect(!lines.contains { $0.hasPrefix("sees-worktree: ") && $0 != "sees-worktree: w\(n)" }, "w\(n) sees another worktree")
            #expect(!lines.contains("sees: /run/sandbox") && !lines.contains("sees: state"), "w\(n) sees the runner's state")
            #expect(lines.contains("pid1: sandbox-init"))

            let report = try fixture.report(fixture.base + "/report-\(n).json")
            #expect(report.worker == "w\(n)" && report.worktree == fixture.path("w\(n)"))
            #expect(report.status == .exited && report.exitCode == Int32(n))
            #expect(report.stoppedBy == nil)
            let log = try #require(report.log)
            #expect(log.hasPrefix(fixture.state + "/logs/"))
            let logged = try FileSystem.readText(log)
            #expect(logged == run.stdout, "w\(n)'s log is what its caller saw")
        }
        // Each worker's files are on disk in its own worktree only.
        for n in 1...Self.count {
            #expect((try? FileSystem.readText(fixture.path("w\(n)") + "/mine-\(n).txt")) == "secret-\(n)\n")
        }
        // Logs stay per worker.
        for n in 1...Self.count {
            let logs = try fixture.run(["logs", "w\(n)"])
            #expect(logs.exitCode == 0 && logs.stdout.contains("read: secret-\(n)"))
            for other in 1...Self.count where other != n { #expect(!logs.stdout.contains("secret-\(other)")) }
        }
        #expect(fixture.stateFiles().isEmpty, "records and locks are gone: \(fixture.stateFiles())")
    }
}
