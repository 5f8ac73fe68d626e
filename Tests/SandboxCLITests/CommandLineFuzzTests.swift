// Generated command lines for `sandbox plan` (seeded): the fast parser (RunArguments.swift)
// must give exactly what swift-argument-parser gives, or decline; neither may crash (a
// signal is an exit code above 128) or hang (the run would not return).
import Foundation
import Synchronization
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class CommandLineFuzzTests: XCTestCase {
    /// Words a command line is made of: the grammar's options with and without values,
    /// their `=` forms, near misses, and hostile values.
    static func words(dir: String) -> [[String]] {
        let wt = dir + "/wt", env = dir + "/env"
        return [
            ["--profile", "strict"], ["--profile=strict"], ["--profile"], ["--profile", "nonesuch"], ["--profile="],
            ["--env", "A=1"], ["--env=B=2"], ["--env", "PATH"], ["--env", "=x"], ["--env", "A\nB=1"], ["--env"],
            ["--env-file", env], ["--env-file=" + env], ["--env-file", dir + "/missing"],
            ["--tty"], ["--tty=1"], ["--quiet"], ["--allow-main"], ["--wait"], ["--events", "fd:3"], ["--report", "r.json"],
            ["--workers-dir", dir], ["--workers-dir=" + dir], ["--memory", "1GiB"], ["--pids", "x"], ["--network", "none"],
            ["--unknown"], ["-e"], ["-"], ["--"], ["--", "true"], ["-h"], ["--help"], [""], ["é"], ["--ENV", "A=1"],
            [wt], [wt], [wt], ["wt"], ["-wt"], [dir + "/no such"], ["true"], ["sh", "-c", "echo $A"],
        ]
    }

    func testGeneratedCommandLinesAgreeOrDecline() throws {
        let sandbox = try CLI.sandboxBinary()
        let dir = try CLI.makeTempDir()
        defer { CLI.removeTree(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/wt", withIntermediateDirectories: false)
        try "A=1\n".write(toFile: dir + "/env", atomically: true, encoding: .utf8)
        let env = ["PATH": "/usr/bin:/bin", "HOME": "/root", "SANDBOX_STATE_DIR": dir + "/state"]
        let words = Self.words(dir: dir)
        var state: UInt64 = 0xA26F_0001  // xorshift64*, seeded: a failing line can be replayed
        func below(_ n: Int) -> Int {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(n))
        }
        var generated: [[String]] = []
        // 300 lines = 600 runs of the binary, about 25 s on two cores; SANDBOX_CLI_FUZZ_CASES
        // asks for more (1,000 took 80 s here, all agreeing).
        let cases = ProcessInfo.processInfo.environment["SANDBOX_CLI_FUZZ_CASES"].flatMap { Int($0) } ?? 300
        for index in 0..<cases {
            var line = ["plan"]
            for _ in 0..<below(5) { line += words[below(words.count)] }
            // Half end in the documented shape, so the accepting paths run too.
            if index % 2 == 0 { line += [dir + "/wt", "--", "true"] }
            generated.append(line)
        }
        let lines = generated
        let workers = 2
        let outcome = Mutex((problems: [String](), accepted: 0))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for line in lines.enumerated().filter({ $0.offset % workers == worker }).map(\.element) {
                do {
                    let (code, problem) = try CLI.compareParsers(sandbox, line, cwd: dir, environment: env)
                    let ok = problem == nil && code == 0
                    XCTAssertLessThan(code, 128, "\(line) ended by a signal")
                    outcome.withLock { if let problem { $0.problems.append(problem) }; if ok { $0.accepted += 1 } }
                } catch {
                    outcome.withLock { $0.problems.append("\(line): \(error)") }
                }
            }
        }
        let (problems, accepted) = outcome.withLock { ($0.problems, $0.accepted) }
        XCTAssertEqual(problems.count, 0, "first: \(problems.first ?? "")")
        XCTAssertGreaterThan(accepted, cases / 20, "too few generated lines were valid plans")
    }
}
