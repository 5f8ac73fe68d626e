#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// Fail closed: the seccomp filter reaches the child after its release (it is made while
/// the child mounts). A child whose filter never arrives, arrives cut short, or arrives
/// malformed must not start its command at all: the command here would leave a marker in
/// the worktree, which must stay absent. Runs for real (root, real namespaces).
@Suite(.serialized)
struct LateFilterTests {
    let dir: String

    init() {
        // TMPDIR: the v2 VM leg points it at a file system that can be idmapped.
        let tmp = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((tmp + "/sandbox-latefilter-XXXXXX").utf8CString)
        dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    }

    func cleanup() { _ = try? Subprocess.run(["rm", "-rf", dir]) }

    func plan() throws -> SandboxPlan {
        let worktree = dir + "/wt"
        #expect(mkdir(worktree, 0o755) == 0)
        var st = stat()
        stat(worktree, &st)
        let info = WorktreeInfo(name: "wt", path: worktree, ownerUID: st.st_uid, ownerGID: st.st_gid, gitDirectoryInside: false)
        return try Planner.plan(profile: BuiltinProfiles.strict,
                                request: RunRequest(command: ["/bin/sh", "-c", "echo ran > marker"]),
                                host: HostProbe.facts(), worktree: info)
    }

    /// Launches, lets `deliver` do what it will with the filter socket, and supervises.
    func run(_ plan: SandboxPlan? = nil, _ deliver: (inout LaunchedSandbox) throws -> Void) throws -> (Termination, Bool) {
        let plan = try plan ?? self.plan()
        let supervisor = try Supervisor()
        defer { supervisor.close() }
        var sandbox = try Launcher.launch(plan, reportDenials: true, isRoot: true)
        try deliver(&sandbox)
        if sandbox.filterWrite >= 0 { close(sandbox.filterWrite) }
        sandbox.filterWrite = -1
        let outcome = supervisor.supervise(sandbox, plan: plan, denials: nil)
        return (outcome.termination, access(dir + "/wt/marker", F_OK) == 0)
    }

    func send(_ bytes: [UInt8], _ sandbox: LaunchedSandbox) {
        #expect(sbx_send_all(sandbox.filterWrite, bytes, bytes.count) == 0)
    }

    static func header(magic: UInt32 = SBX_FILTER_MAGIC, instructions: UInt32) -> [UInt8] {
        withUnsafeBytes(of: sbx_filter_header(magic: magic, instructions: instructions)) { Array($0) }
    }

    func expectRefused(_ termination: Termination, ran: Bool, errno expected: String) {
        #expect(!ran, "the command ran without its filter")
        guard case .setupFailed(let error) = termination else {
            Issue.record("expected a setup failure, got \(termination)")
            return
        }
        #expect(error.message.contains("receive the seccomp filter"), "\(error.message)")
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test(.enabled(if: getuid() == 0, "needs root: creates namespaces"))
    func aFilterThatNeverArrivesRunsNothing() throws {
        defer { cleanup() }
        let (termination, ran) = try run { _ in }
        expectRefused(termination, ran: ran, errno: "EPIPE")
    }

    @Test(.enabled(if: getuid() == 0, "needs root: creates namespaces"))
    func aFilterCutShortRunsNothing() throws {
        defer { cleanup() }
        let (termination, ran) = try run { sandbox in
            send(Self.header(instructions: 100) + [UInt8](repeating: 0, count: 8 * 40), sandbox)
        }
        expectRefused(termination, ran: ran, errno: "EPIPE")
    }

    @Test(.enabled(if: getuid() == 0, "needs root: creates namespaces"),
          arguments: [(SBX_FILTER_MAGIC ^ 1, UInt32(1)), (SBX_FILTER_MAGIC, UInt32(0)), (SBX_FILTER_MAGIC, UInt32(4097))])
    func aMalformedHeaderRunsNothing(magic: UInt32, instructions: UInt32) throws {
        defer { cleanup() }
        let (termination, ran) = try run { sandbox in
            send(Self.header(magic: magic, instructions: instructions) + [UInt8](repeating: 0, count: 8), sandbox)
        }
        expectRefused(termination, ran: ran, errno: "EINVAL")
    }

    /// The control: the same launch with the real filter runs the command, filtered.
    @Test(.enabled(if: getuid() == 0, "needs root: creates namespaces"))
    func theRealFilterRunsTheCommand() throws {
        defer { cleanup() }
        let plan = try plan()
        let filter = try SandboxRunner.compileFilter(plan.seccomp)
        let (termination, ran) = try run(plan) { sandbox in
            let sent = try Launcher.sendFilter(filter, to: &sandbox)
            #expect(sent)
        }
        #expect(ran)
        #expect(termination == .exited(code: 0), "\(termination)")
    }
}
