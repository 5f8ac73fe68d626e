// Support for the CLI tests: run the built `sandbox` binary (next to the test bundle, or
// SANDBOX_BIN) with an exact environment, and turn a plan's JSON into a compact text that a
// person can check line by line against the issue (what the goldens compare).
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

enum CLI {
    static func sandboxBinary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["SANDBOX_BIN"] { return path }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        if dir.hasSuffix(".xctest") { dir = (dir as NSString).deletingLastPathComponent }
        let path = dir + "/sandbox"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("`\(path)` is not built: run `swift build --build-tests` first, or set SANDBOX_BIN")
        }
        return path
    }

    struct Result {
        var exitCode: Int32
        var stdout: String
        var stderr: String
        var summary: String { "exit \(exitCode)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Runs argv (argv[0] an absolute path) with exactly `environment`, stdin /dev/null,
    /// output into temporary files (no pipe to fill up).
    static func run(_ argv: [String], cwd: String? = nil, environment: [String: String]) throws -> Result {
        let dir = try makeTempDir()
        defer { removeTree(dir) }
        FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.environment = environment
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: dir + "/out")
        process.standardError = FileHandle(forWritingAtPath: dir + "/err")
        try process.run()
        process.waitUntilExit()
        let code = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        func read(_ name: String) -> String {
            String(decoding: FileManager.default.contents(atPath: dir + "/" + name) ?? Data(), as: UTF8.self)
        }
        return Result(exitCode: code, stdout: read("out"), stderr: read("err"))
    }

    /// Runs `line` through the fast parser and through swift-argument-parser
    /// (SANDBOX_NO_FAST_PARSE=1): the fast run's exit code, and nil when they agree (same exit
    /// code and stdout, and the same stderr unless it is a usage message), else what differs.
    static func compareParsers(_ sandbox: String, _ line: [String], cwd: String, environment: [String: String]) throws -> (exitCode: Int32, problem: String?) {
        let fast = try run([sandbox] + line, cwd: cwd, environment: environment)
        let slow = try run([sandbox] + line, cwd: cwd, environment: environment.merging(["SANDBOX_NO_FAST_PARSE": "1"]) { $1 })
        if fast.exitCode != slow.exitCode || fast.stdout != slow.stdout
            || (fast.exitCode != 0 && !fast.stderr.contains("usage:") && fast.stderr != slow.stderr) {
            return (fast.exitCode, "\(line)\nfast: \(fast.summary)\nslow: \(slow.summary)")
        }
        return (fast.exitCode, nil)
    }

    static func makeTempDir() throws -> String {
        var template = Array("/var/tmp/sandbox-cli.XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw XCTSkip("mkdtemp failed") }
        chmod(String(cString: p), 0o755)
        return String(cString: p)
    }

    static func removeTree(_ path: String) {
        _ = try? FileManager.default.removeItem(atPath: path)
    }

    // ---- Plan rendering ------------------------------------------------------------------

    /// One line per fact of the plan. Keys this renderer does not know are printed raw, so a
    /// new plan field shows up in the golden's diff instead of being ignored.
    static func render(plan: [String: Any]) -> String {
        var lines: [String] = []
        var rest = plan
        func take(_ key: String) -> Any? { rest.removeValue(forKey: key) }
        func words(_ value: Any?) -> String { (value as? [String])?.joined(separator: " ") ?? "?" }

        lines.append("worker \(take("worker") ?? "?")")
        lines.append("worktree \(take("worktree") ?? "?")")
        lines.append("profile \(take("profile") ?? "?")")
        lines.append("argv \(words(take("argv")))")
        lines.append("cwd \(take("workingDirectory") ?? "?")")
        lines.append("search-path \(take("searchPath") ?? "?")")
        lines.append("namespaces \(words(take("namespaces")))")
        if let id = take("identity") as? [String: Any] {
            let idmap = (id["idmapWorktree"] as? Bool) == true ? " idmap-worktree" : ""
            lines.append("identity inside \(id["insideUID"] ?? "?"):\(id["insideGID"] ?? "?") host \(id["hostUID"] ?? "?"):\(id["hostGID"] ?? "?")\(idmap)")
        }
        lines.append("hostname \(take("hostname") ?? "?")")
        lines.append("loopback-up \(take("loopbackUp") as? Bool ?? false)")
        lines.append("new-session \(take("newSession") as? Bool ?? false) tty \(take("tty") as? Bool ?? false)")
        if let root = take("root") as? [String: Any] {
            lines.append("root tmpfs at \(root["base"] ?? "?") \(root["options"] ?? "")")
        }
        for entry in take("environment") as? [String] ?? [] { lines.append("env \(entry)") }
        for m in take("mounts") as? [[String: Any]] ?? [] {
            var flags: [String] = []
            for (key, word) in [("readOnly", "ro"), ("nosuid", "nosuid"), ("nodev", "nodev"), ("noexec", "noexec"),
                                ("optional", "optional"), ("idmap", "idmap")] where (m[key] as? Bool) == true {
                flags.append(word)
            }
            let source = (m["source"] as? String).map { "\($0) -> " } ?? ""
            let options = (m["options"] as? String).map { " [\($0)]" } ?? ""
            let known: Set = ["kind", "source", "target", "options", "readOnly", "nosuid", "nodev", "noexec", "optional", "idmap"]
            let extra = m.keys.filter { !known.contains($0) }.sorted().map { " \($0)=\(m[$0]!)" }.joined()
            lines.append("mount \(m["kind"] ?? "?") \(source)\(m["target"] ?? "?")\(options) \(flags.joined(separator: ","))\(extra)")
        }
        for r in take("rlimits") as? [[String: Any]] ?? [] {
            lines.append("rlimit \(r["resource"] ?? "?") soft \(r["soft"] ?? "?") hard \(r["hard"] ?? "?")")
        }
        if let seccomp = take("seccomp") as? [String: Any] {
            lines.append("seccomp default \(seccomp["defaultAction"] ?? "?")")
            for key in seccomp.keys.sorted() where key != "defaultAction" && key != "rules" {
                lines.append("seccomp \(key) \(seccomp[key]!)")
            }
            // The whole strict policy is hundreds of rules, checked by the policy tests; the
            // golden shows its size and the rules of the calls issue 2 is about.
            let rules = seccomp["rules"] as? [[String: Any]] ?? []
            lines.append("seccomp rules \(rules.count)")
            let shown: Set = ["chmod", "fchmod", "fchmodat", "fchmodat2", "creat", "mkdir", "mkdirat", "mknod", "mknodat",
                              "open", "openat", "openat2", "io_uring_setup", "io_uring_enter", "io_uring_register",
                              "unshare", "setns", "clone3", "ptrace", "mount"]
            for rule in rules where shown.contains(rule["syscall"] as? String ?? "") {
                let args = (rule["args"] as? [[String: Any]] ?? []).map { a -> String in
                    let value = (a["value"] as? NSNumber)?.uint64Value ?? 0
                    let two = (a["valueTwo"] as? NSNumber)?.uint64Value ?? 0
                    return "arg\(a["index"] ?? "?") \(a["op"] ?? "?") 0o\(String(value, radix: 8)) 0o\(String(two, radix: 8))"
                }
                lines.append("seccomp \(rule["syscall"] ?? "?") [\(args.joined(separator: "; "))] -> \(rule["action"] ?? "?")")
            }
        }
        lines.append("capabilities \(words(take("capabilities")))")
        if var cgroup = take("cgroup") as? [String: Any] {
            // Which controllers exist is the host's business (v1 here, v2 in the VM).
            cgroup["controllers"] = nil
            let data = (try? JSONSerialization.data(withJSONObject: cgroup, options: [.sortedKeys])) ?? Data()
            lines.append("cgroup \(String(decoding: data, as: UTF8.self))")
        }
        for key in rest.keys.sorted() {
            let data = (try? JSONSerialization.data(withJSONObject: [key: rest[key]!], options: [.sortedKeys])) ?? Data()
            lines.append("other \(String(decoding: data, as: UTF8.self))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Compares line by line, so a failure names the first differing line.
func assertSameLines(_ actual: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, e.count) {
        let got = i < a.count ? String(a[i]) : "<missing>"
        let want = i < e.count ? String(e[i]) : "<missing>"
        if got != want {
            XCTFail("line \(i + 1) differs\n  got:  \(got)\n  want: \(want)\n--- whole output ---\n\(actual)", file: file, line: line)
            return
        }
    }
}
