import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The runner starts its child on another CPU than its own (spawn.c: a new task waited behind
/// the busy runner) and the prepared-namespace helper likewise: a narrowed mask is theirs
/// only for the setup. The command and the sandbox's init must end with the caller's own
/// affinity, whatever it was; checked from inside, in /proc/self/status and /proc/1/status.
final class CPUPlacementTests: SandboxTestCase {
    static func allowedList(_ status: String) -> String? {
        status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
            .map { $0.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces) }
    }

    static let report = "grep -h Cpus_allowed_list /proc/self/status /proc/1/status"

    func testTheCommandAndTheInitHaveTheCallersCPUs() throws {
        guard let own = Self.allowedList(Harness.read("/proc/self/status") ?? "") else {
            throw XCTSkip("no Cpus_allowed_list in /proc/self/status")
        }
        let wt = try Harness.makeWorktree(in: base)
        let r = try run(wt.path, ["sh", "-c", Self.report])
        XCTAssertEqual(r.exitCode, 0, r.summary)
        let lists = r.stdout.split(separator: "\n").compactMap { Self.allowedList(String($0)) }
        XCTAssertEqual(lists, [own, own], "command, then init: \(r.stdout)")
    }

    /// A caller restricted to one CPU keeps to it: the runner narrows, never widens.
    func testACallerPinnedToOneCPUKeepsItsPin() throws {
        guard access("/usr/bin/taskset", X_OK) == 0 else { throw XCTSkip("needs taskset (util-linux)") }
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else { throw XCTSkip("needs two CPUs") }
        let wt = try Harness.makeWorktree(in: base)
        let r = try Harness.run(["/usr/bin/taskset", "-c", "1", sandbox, "run", wt.path, "--", "sh", "-c", Self.report])
        XCTAssertEqual(r.exitCode, 0, r.summary)
        let lists = r.stdout.split(separator: "\n").compactMap { Self.allowedList(String($0)) }
        XCTAssertEqual(lists, ["1", "1"], "command, then init: \(r.stdout)")
    }
}
