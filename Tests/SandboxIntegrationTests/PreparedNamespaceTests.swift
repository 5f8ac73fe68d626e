import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `sandbox run` as root makes the next run's network and IPC namespaces in a helper process
/// while it plans, then clones the child into them (PreparedNamespaces). Whichever way they
/// are made (SANDBOX_NO_PREPARED_NAMESPACES=1 keeps to clone3), every run must get its own,
/// never the host's nor a sibling's, with only `lo`, up; and the runner must be back in the
/// host's namespaces once the child is cloned. Checked from inside with the probe, two runs
/// at once (namespace ids can be reused once a namespace is gone).
final class PreparedNamespaceTests: SandboxTestCase {
    static let modes: [(name: String, environment: [String: String]?)] = [
        ("prepared", nil),
        ("clone3", ProcessInfo.processInfo.environment.merging(["SANDBOX_NO_PREPARED_NAMESPACES": "1"]) { $1 }),
    ]

    func testEveryRunGetsItsOwnNetworkAndIPCNamespaceWithOnlyLoopbackUp() throws {
        let host = Harness.hostNamespaces()
        for mode in Self.modes {
            let a = try Harness.makeWorktree(in: base, name: "a-\(mode.name)")
            let b = try Harness.makeWorktree(in: base, name: "b-\(mode.name)")
            // Each keeps its namespaces alive until both have looked.
            let runs = try [a, b].map { wt in
                try start(wt.path, ["sh", "-c", "\(wt.probe) facts; sleep 1"], environment: mode.environment)
            }
            let facts = try runs.map { launch -> [String: Any] in
                let r = launch.wait(timeout: 30)
                XCTAssertEqual(r.exitCode, 0, "\(mode.name): \(r.summary)")
                return try r.json()
            }
            let spaces = facts.map { $0.object("namespaces") ?? [:] }
            for kind in ["net", "ipc"] {
                let ids = spaces.map { $0.string(kind) ?? "?" }
                XCTAssertFalse(ids.contains("?"), "\(mode.name) \(kind): \(ids)")
                XCTAssertNotEqual(ids[0], ids[1], "\(mode.name): two runs share a \(kind) namespace")
                for id in ids { XCTAssertNotEqual(id, host[kind], "\(mode.name): a run is in the host's \(kind) namespace") }
            }
            for f in facts {
                let interfaces = f.objects("interfaces")
                XCTAssertEqual(interfaces.compactMap { $0.string("name") }, ["lo"], mode.name)
                XCTAssertEqual(interfaces.first?.bool("up"), true, "\(mode.name): lo must be up")
            }
        }
    }

    /// The runner enters the prepared namespaces only for the clone: were it left in them,
    /// its own later work (and the report it writes) would run inside the sandbox's network.
    func testTheRunnerIsInTheHostNamespacesWhileItSupervises() throws {
        let host = Harness.hostNamespaces()
        for mode in Self.modes {
            let wt = try Harness.makeWorktree(in: base, name: "wt-\(mode.name)")
            let launch = try start(wt.path, ["sh", "-c", "echo started; sleep 2"], environment: mode.environment)
            XCTAssertTrue(Harness.eventually(timeout: 10) { launch.stdoutSoFar.contains("started") }, mode.name)
            for kind in ["net", "ipc"] {
                let runner = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(launch.pid)/ns/\(kind)")
                XCTAssertEqual(runner, host[kind], "\(mode.name): the runner is not in the host's \(kind) namespace")
            }
            XCTAssertEqual(launch.wait(timeout: 30).exitCode, 0, mode.name)
        }
    }

    /// The helper process is reaped before the clone: once the command runs, the runner's one
    /// child is the sandbox's init (a helper left unreaped would show as a second child, a
    /// zombie, for the whole run).
    func testTheHelperIsGoneOnceTheCommandRuns() throws {
        let wt = try Harness.makeWorktree(in: base)
        let launch = try start(wt.path, ["sh", "-c", "echo started; sleep 2"])
        XCTAssertTrue(Harness.eventually(timeout: 10) { launch.stdoutSoFar.contains("started") })
        let children = Harness.hostChildren(of: launch.pid)
        XCTAssertEqual(children.count, 1, "children of the runner: \(children.map { Harness.hostStatus($0)["Name"] ?? "?" })")
        XCTAssertEqual(children.first.map { Harness.hostStatus($0)["Name"] }, "sandbox-init")
        XCTAssertEqual(launch.wait(timeout: 30).exitCode, 0)
    }

    /// System V IPC made by one run is invisible to a run beside it and to the host.
    func testSharedMemoryOfOneRunIsInvisibleToAnother() throws {
        guard access("/usr/bin/ipcmk", X_OK) == 0 else { throw XCTSkip("needs ipcmk and ipcs (util-linux)") }
        let a = try Harness.makeWorktree(in: base, name: "a")
        let b = try Harness.makeWorktree(in: base, name: "b")
        // A size nothing else uses marks the segment (ids restart in each namespace).
        let size = "12345"
        // The control: the maker itself lists its segment.
        let maker = try start(a.path, ["sh", "-c", "ipcmk -M \(size) -p 0600 >/dev/null && ipcs -m && echo made && sleep 2"])
        XCTAssertTrue(Harness.eventually(timeout: 10) { maker.stdoutSoFar.contains("made") }, maker.stdoutSoFar)
        XCTAssertTrue(maker.stdoutSoFar.contains(" \(size) "), "the maker does not see its own segment: \(maker.stdoutSoFar)")
        let other = try run(b.path, ["ipcs", "-m"])
        XCTAssertEqual(other.exitCode, 0, other.summary)
        XCTAssertFalse(other.stdout.contains(" \(size) "), "another run sees the segment: \(other.stdout)")
        let hostView = try Harness.run(["/usr/bin/ipcs", "-m"])
        XCTAssertFalse(hostView.stdout.contains(" \(size) "), "the host sees the segment: \(hostView.stdout)")
        XCTAssertEqual(maker.wait(timeout: 30).exitCode, 0)
    }
}
