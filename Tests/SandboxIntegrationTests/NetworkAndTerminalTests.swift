import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The host's network services and unix sockets, outbound routes, and the caller's terminal.
/// Each attack has a host-side control: the same probe call succeeds outside the sandbox.
final class NetworkAndTerminalTests: SandboxTestCase {
    /// Starts `probe serve ...` on the host and waits until it listens.
    func serve(_ args: [String]) throws -> Launch {
        let server = try Launch.start([try Harness.probeBinary(), "serve"] + args + ["30"])
        XCTAssertTrue(Harness.eventually { server.stdoutSoFar.contains("\"ok\":true") }, "server did not start: \(server.stdoutSoFar)")
        return server
    }

    func testHostLoopbackAndUnixSocketsAreUnreachable() throws {
        let wt = try Harness.makeWorktree(in: base)
        let port = String(Int.random(in: 40_000...60_000))
        let abstract = Harness.uniqueToken("sbxit-abstract")
        let socketPath = base + "/host.sock"
        let servers = [try serve(["tcp", "127.0.0.1", port]), try serve(["abstract", abstract]), try serve(["unix", socketPath])]
        defer { for s in servers { s.signal(SIGKILL); _ = s.wait(timeout: 5) } }
        let hostProbe = try Harness.probeBinary()
        for target in [["tcp", "127.0.0.1", port], ["abstract", abstract], ["unix", socketPath]] {
            let control = try Harness.run([hostProbe, "try-connect"] + target)
            XCTAssertTrue(try control.json().ok, "control \(target): \(control.summary)")
            let inside = try probe(wt, "try-connect", target[0], target[1], target.count > 2 ? target[2] : "")
            XCTAssertFalse(inside.ok, "reached the host's \(target) from inside: \(inside)")
        }
    }

    func testNoRouteOut() throws {
        let wt = try Harness.makeWorktree(in: base)
        for address in ["1.1.1.1", "10.0.0.1", "169.254.169.254"] {
            let r = try probe(wt, "try-connect", "tcp", address, "80")
            XCTAssertEqual(r.errnoName, "ENETUNREACH", "\(address): \(r)")
        }
        // Loopback inside works (it is up), it is just the sandbox's own.
        let inside = try run(wt.path, ["sh", "-c", "\(wt.probe) serve tcp 127.0.0.1 41000 2 & sleep 0.3; \(wt.probe) try-connect tcp 127.0.0.1 41000"])
        XCTAssertTrue(inside.stdout.contains("\"address\":\"127.0.0.1\",\"ok\":true"), inside.summary)
    }

    /// bubblewrap CVE-2017-5226 class: with the caller's terminal on stdin, TIOCSTI would push
    /// input that the caller's shell reads after the run. A new session (no controlling
    /// terminal) and no CAP_SYS_ADMIN make it fail.
    func testCommandCannotInjectIntoTheCallersTerminal() throws {
        let wt = try Harness.makeWorktree(in: base)
        let master = try PTY.openMaster()
        defer { close(master) }
        let slavePath = try PTY.slaveName(master)
        let slave = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(slave, 0)
        defer { close(slave) }

        func pendingInput() -> String {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = Glibc.read(slave, &buffer, buffer.count)
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        }
        let r = try run(wt.path, wt.probe("try-tiocsti", "echo injected\n"), inherit: [0: slave])
        XCTAssertEqual(r.exitCode, 0, r.summary)
        let json = try r.json()
        XCTAssertEqual(json.int("stdin_is_tty"), 1, "the test must hand the command a terminal")
        XCTAssertFalse(json.ok, "TIOCSTI worked inside: \(json)")
        XCTAssertEqual(pendingInput(), "", "input was injected into the caller's terminal")

        // Control: as root on the host (CAP_SYS_ADMIN), the same call does inject.
        let control = try Launch.start([try Harness.probeBinary(), "try-tiocsti", "echo control\n"], inherit: [0: slave]).wait(timeout: 10)
        if (try? control.json().ok) == true {
            XCTAssertEqual(pendingInput(), "echo control\n")
        }
    }
}

extension NetworkAndTerminalTests {
    /// With --tty the command shares the caller's session and controlling terminal (an
    /// interactive shell needs it), so the session defence is gone: TIOCSTI must be refused
    /// by the filter, or "echo pwned" typed into the caller's terminal runs in the caller's
    /// (root) shell after the sandbox exits. The request is compared on its low 32 bits: the
    /// kernel ignores the rest (flatpak CVE-2019-10063: high bits set slipped past a filter).
    /// Fails while the strict profile selects the "baseline" seccomp policy, which does not
    /// refuse TIOCSTI (the "strict" seccomp policy does).
    func testTTYModeCannotInjectIntoTheCallersTerminal() throws {
        let wt = try Harness.makeWorktree(in: base)
        let master = try PTY.openMaster()
        defer { close(master) }
        let slavePath = try PTY.slaveName(master)
        let reader = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        defer { close(reader) }
        func pendingInput() -> String {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = Glibc.read(reader, &buffer, buffer.count)
            return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        }
        for variant in ["low", "high"] {
            let r = try Launch.start([sandbox, "run", "--tty", wt.path, "--", wt.probe, "try-tiocsti", "echo pwned\n", variant],
                                     terminal: slavePath).wait(timeout: 30)
            XCTAssertEqual(r.exitCode, 0, r.summary)
            XCTAssertEqual(try r.json().int("stdin_is_tty"), 1)
            XCTAssertFalse(try r.json().ok, "TIOCSTI (\(variant)) worked with --tty: \(r.summary)")
            XCTAssertEqual(pendingInput(), "", "input was injected into the caller's terminal (\(variant))")
        }
    }
}

/// posix_openpt, unlockpt and ptsname are not imported by Swift's Glibc module (XOPEN):
/// looked up with dlsym.
enum PTY {
    typealias OpenPT = @convention(c) (Int32) -> Int32
    typealias OnFD = @convention(c) (Int32) -> Int32
    typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    static func symbol<T>(_ name: String, as type: T.Type) throws -> T {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { throw HarnessError("dlsym \(name)") }
        return unsafeBitCast(sym, to: type)
    }

    static func openMaster() throws -> Int32 {
        let fd = try symbol("posix_openpt", as: OpenPT.self)(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0, try symbol("grantpt", as: OnFD.self)(fd) == 0, try symbol("unlockpt", as: OnFD.self)(fd) == 0 else {
            throw HarnessError.errno("posix_openpt")
        }
        return fd
    }

    static func slaveName(_ master: Int32) throws -> String {
        guard let name = try symbol("ptsname", as: Name.self)(master) else { throw HarnessError.errno("ptsname") }
        return String(cString: name)
    }
}
