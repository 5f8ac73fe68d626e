import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Worktrees with hostile names (spaces, newlines, a leading dash, paths longer than PATH_MAX,
/// non-UTF-8 bytes): each either works (the command runs in it and its file lands in that
/// worktree on the host) or is refused clearly (exit 125, a `sandbox:` or usage message, and
/// nothing written). The names are made by a shell from printf formats, so the test can hold
/// bytes a Swift String cannot.
final class HostileWorktreeNameTests: SandboxTestCase {
    enum Outcome { case worked, refused }

    /// Makes the worktree `format` (printf) under the test's base, runs the probe in it with
    /// the worker given as `prefix` + name, and returns what happened, checked host side.
    func attempt(_ format: String, prefix: String = "$PWD/", long: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let make = long
            ? #"W=""; C=$(printf 'd%.0s' $(seq 250)); for i in $(seq 20); do mkdir "$C" && cd "$C" && W="$W$C/"; done; cp -- "$PROBE" sandbox-probe; cd "$BASE""#
            : #"W="$(printf "x$FORMAT")"; W="${W#x}"; mkdir -- "$W" && cp -- "$PROBE" "$W/sandbox-probe""#
        let script = """
            ROOT="$(mktemp -d -p "$BASE")" && chmod 755 "$ROOT" && BASE="$ROOT" && cd "$BASE" && \(make)
            "$SANDBOX" run "\(prefix)$W" -- ./sandbox-probe try-write written ok
            rc=$?
            cd "$BASE" && if [ -n "$(find . -name written)" ]; then echo HOSTFILE; fi
            if [ -n "$(find . -maxdepth 1 -name written)" ]; then echo OUTSIDE; fi
            echo "RC=$rc"
            """
        var env = ProcessInfo.processInfo.environment
        env["BASE"] = base
        env["FORMAT"] = format
        env["PROBE"] = try Harness.probeBinary()
        env["SANDBOX"] = sandbox
        let r = try Harness.run(["/bin/sh", "-c", script], environment: env)
        let rc = r.stdout.split(separator: "\n").last { $0.hasPrefix("RC=") }.flatMap { Int32($0.dropFirst(3)) }
        XCTAssertFalse(r.stdout.contains("OUTSIDE"), "a file landed beside the worktree: \(r.summary)", file: file, line: line)
        if rc == 0 {
            XCTAssertTrue(r.stdout.contains("\"ok\":true") && r.stdout.contains("HOSTFILE"),
                          "\(format): exit 0 but the worktree holds no file: \(r.summary)", file: file, line: line)
            print("hostile worktree name \(format.debugDescription)\(long ? " (5000 bytes)" : ""): works")
            return .worked
        }
        XCTAssertEqual(rc, 125, "\(format): neither worked nor refused clearly: \(r.summary)", file: file, line: line)
        XCTAssertFalse(r.stdout.contains("HOSTFILE"), "\(format): refused, yet the command wrote", file: file, line: line)
        let message = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(message.hasPrefix("sandbox: ") || message.contains("Usage:") || message.contains("Error:"),
                      "\(format): refused without a clear message: \(r.summary)", file: file, line: line)
        print("hostile worktree name \(format.debugDescription)\(long ? " (5000 bytes)" : ""): refused, \(message.debugDescription)")
        return .refused
    }

    func testSpacesWork() throws {
        XCTAssertEqual(try attempt("with space  and\\ttab"), .worked)
    }

    func testNewlineWorksOrIsRefused() throws {
        _ = try attempt("new\\nline")
    }

    func testLeadingDashWorksAsAPathAndIsRefusedAsAnOption() throws {
        XCTAssertEqual(try attempt("-dash"), .worked)
        XCTAssertEqual(try attempt("--dash", prefix: ""), .refused)
        XCTAssertEqual(try attempt("-d", prefix: ""), .refused)
    }

    func testLongNamesWorkOrAreRefused() throws {
        XCTAssertEqual(try attempt(String(repeating: "n", count: 255)), .worked)
        // 20 components of 250 bytes: longer than PATH_MAX (4096).
        _ = try attempt("", long: true)
    }

    /// Non-UTF-8 arguments are refused (exit 125) before anything is resolved: decoded with
    /// U+FFFD replacements they would name another directory.
    func testNonUTF8BytesAreRefused() throws {
        XCTAssertEqual(try attempt("\\377\\376-latin1-\\351"), .refused)
        XCTAssertEqual(try attempt("\\300\\200overlong"), .refused)
    }

    /// The confused deputy: a sibling already named with the replacement character's bytes
    /// (EF BF BD) must not be chosen for `\377wt`.
    func testNonUTF8NameNeverRunsInTheReplacementCharacterSibling() throws {
        let script = #"""
            ROOT="$(mktemp -d -p "$BASE")" && cd "$ROOT" && mkdir "$(printf '\357\277\275wt')" "$(printf '\377wt')"
            "$SANDBOX" run "$ROOT/$(printf '\377wt')" -- /bin/sh -c 'echo x > written'
            echo "RC=$?"
            find "$ROOT" -name written
            """#
        var env = ProcessInfo.processInfo.environment
        env["BASE"] = base
        env["SANDBOX"] = sandbox
        let r = try Harness.run(["/bin/sh", "-c", script], environment: env)
        XCTAssertTrue(r.stdout.contains("RC=125"), r.summary)
        XCTAssertFalse(r.stdout.contains("written"), "the command ran somewhere: \(r.summary)")
        XCTAssertTrue(r.stderr.contains("not valid UTF-8"), r.summary)
    }
}
