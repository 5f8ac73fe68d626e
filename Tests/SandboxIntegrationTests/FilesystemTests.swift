import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What the command can read and write, checked from inside with the probe and from the
/// host afterwards (canaries: files the host plants and checks unchanged after the run).
final class FilesystemTests: SandboxTestCase {
    func testFileCreatedInRootOwnedWorktreeIsOwnedByRootOnHost() throws {
        let wt = try Harness.makeWorktree(in: base)
        let r = try probe(wt, "try-write", wt.path + "/created.txt", "hello")
        XCTAssertTrue(r.ok, "\(r)")
        let st = try XCTUnwrap(Harness.lstat(wt.path + "/created.txt"), "file not on the host")
        XCTAssertEqual(st.st_uid, 0)
        XCTAssertEqual(st.st_gid, 0)
        XCTAssertEqual(Harness.read(wt.path + "/created.txt"), "hello")
        // Inside, the worktree's owner is the command itself (inside uid 0).
        let inside = try probe(wt, "stat", wt.path + "/created.txt")
        XCTAssertEqual(inside.int("uid"), 0)
    }

    func testFileCreatedInUserOwnedWorktreeIsOwnedByThatUserOnHost() throws {
        let wt = try Harness.makeWorktree(in: base, uid: 1000, gid: 1000)
        let facts = try probe(wt, "facts")
        XCTAssertEqual(facts.int("uid"), 1000)
        XCTAssertEqual(facts.int("gid"), 1000)
        XCTAssertEqual(facts.string("uid_map")?.split(separator: " ").map(String.init), ["1000", "1000", "1\n"])
        let r = try probe(wt, "try-write", wt.path + "/created.txt", "hello")
        XCTAssertTrue(r.ok, "\(r)")
        let st = try XCTUnwrap(Harness.lstat(wt.path + "/created.txt"))
        XCTAssertEqual(st.st_uid, 1000)
        XCTAssertEqual(st.st_gid, 1000)
        let dir = try probe(wt, "try-mkdir", wt.path + "/made", "755")
        XCTAssertTrue(dir.ok, "\(dir)")
        XCTAssertEqual(Harness.lstat(wt.path + "/made")?.st_uid, 1000)
    }

    func testCannotReadRootsFilesOrShadow() throws {
        let wt = try Harness.makeWorktree(in: base)
        let secretPath = "/root/" + Harness.uniqueToken("sandbox-it-secret")
        let secret = Harness.uniqueToken("secret")
        try Harness.write(secret, to: secretPath, mode: 0o600)
        defer { unlink(secretPath) }
        for path in [secretPath, "/etc/shadow", "/root"] {
            let r = try probe(wt, "try-read", path)
            XCTAssertFalse(r.ok, "read \(path): \(r)")
        }
        let listing = try run(wt.path, wt.probe("ls", "/root"))
        XCTAssertFalse(listing.stdout.contains(secret) || listing.stdout.contains((secretPath as NSString).lastPathComponent),
                       listing.summary)
        // Control: the same file in the worktree is readable, so the probe can read.
        try Harness.write(secret, to: wt.path + "/readable", mode: 0o600)
        XCTAssertEqual(try probe(wt, "try-read", wt.path + "/readable").string("data"), secret)
    }

    func testCannotWriteUsrEtcProcSysOrSys() throws {
        let wt = try Harness.makeWorktree(in: base)
        let name = Harness.uniqueToken("sandbox-it-canary")
        for dir in ["/usr", "/usr/bin", "/etc", "/"] {
            let path = dir == "/" ? "/" + name : dir + "/" + name
            let r = try probe(wt, "try-write", path, "x")
            XCTAssertFalse(r.ok, "created \(path): \(r)")
            XCTAssertFalse(Harness.exists(path), "\(path) appeared on the host")
        }
        let hostname = Harness.read("/etc/hostname")
        XCTAssertFalse(try probe(wt, "try-write", "/etc/hostname", "pwned").ok)
        XCTAssertEqual(Harness.read("/etc/hostname"), hostname)

        // /proc/sys: writable would let the command change kernel settings. Opening for
        // writing is the whole test; nothing is written, whatever happens.
        for path in ["/proc/sys/kernel/domainname", "/proc/sys/vm/overcommit_memory", "/proc/sysrq-trigger"] {
            let r = try probe(wt, "try-write", path)
            XCTAssertFalse(r.ok, "opened \(path) for writing: \(r)")
        }
        let sys = try probe(wt, "try-write", "/sys/kernel/uevent_helper")
        XCTAssertFalse(sys.ok, "\(sys)")
        // Masked /proc files read as nothing.
        let kcore = try probe(wt, "try-read", "/proc/kcore")
        XCTAssertTrue(!kcore.ok || kcore.string("data") == "", "/proc/kcore is not masked: \(kcore)")
    }

    func testCannotReachSiblingWorktree() throws {
        let wt = try Harness.makeWorktree(in: base, name: "a")
        let sibling = try Harness.makeWorktree(in: base, name: "b", withProbe: false)
        let canary = Harness.uniqueToken("canary")
        try Harness.write(canary, to: sibling.path + "/canary")
        XCTAssertFalse(try probe(wt, "try-read", sibling.path + "/canary").ok)
        XCTAssertFalse(try probe(wt, "try-write", sibling.path + "/canary", "overwritten").ok)
        XCTAssertFalse(try probe(wt, "try-write", sibling.path + "/new", "x").ok)
        XCTAssertFalse(try probe(wt, "try-mkdir", sibling.path + "/dir", "755").ok)
        let parent = try probe(wt, "ls", base)
        XCTAssertEqual(parent.strings("entries") ?? [], parent.ok ? ["a"] : [], "the worktree's parent shows more than the worktree: \(parent)")
        XCTAssertEqual(Harness.read(sibling.path + "/canary"), canary)
        XCTAssertFalse(Harness.exists(sibling.path + "/new"))
        XCTAssertFalse(Harness.exists(sibling.path + "/dir"))
    }

    func testHostTmpIsNeitherVisibleNorWritable() throws {
        let wt = try Harness.makeWorktree(in: base)
        let name = Harness.uniqueToken("sandbox-it-tmp")
        let canary = "/tmp/" + name, fresh = "/tmp/" + name + "-new"
        try Harness.write("original", to: canary)
        defer { unlink(canary); unlink(fresh) }
        let read = try probe(wt, "try-read", canary)
        XCTAssertFalse(read.ok, "host /tmp is visible: \(read)")
        XCTAssertEqual(read.errnoName, "ENOENT")
        // Writing works (a private tmpfs) but must not reach the host.
        _ = try probe(wt, "try-write", canary, "overwritten")
        XCTAssertTrue(try probe(wt, "try-write", fresh, "x").ok, "the private /tmp must be writable")
        XCTAssertEqual(Harness.read(canary), "original")
        XCTAssertFalse(Harness.exists(fresh), "a file written to /tmp inside appeared in the host /tmp")
        // Nor does the private /tmp survive into the next run.
        XCTAssertFalse(try probe(wt, "try-read", fresh).ok)
    }

    /// Root-owned worktree: the idmapped mount would make a setuid file root-owned on disk.
    func testSetuidAndSetgidBitsAreRefusedEverywhere() throws {
        let wt = try Harness.makeWorktree(in: base)
        let file = wt.path + "/victim"
        try Harness.write("#!/bin/sh\nid\n", to: file, mode: 0o644)

        for mode in ["4755", "2755", "6755", "4000"] {
            for via in ["chmod", "fchmod", "fchmodat", "fchmodat2"] {
                let r = try probe(wt, "try-chmod", file, mode, via)
                XCTAssertFalse(r.ok, "chmod \(mode) via \(via) succeeded: \(r)")
                XCTAssertEqual(r.errnoName, "EPERM", "chmod \(mode) via \(via): \(r)")
            }
        }
        for via in ["open", "openat", "creat"] {
            let path = wt.path + "/new-" + via
            let r = try probe(wt, "try-open-creat", path, "6755", via)
            XCTAssertFalse(r.ok, "open(O_CREAT, 06755) via \(via): \(r)")
            XCTAssertEqual(r.errnoName, "EPERM", "\(via): \(r)")
        }
        for via in ["mkdir", "mkdirat"] {
            let r = try probe(wt, "try-mkdir", wt.path + "/dir-" + via, "2755", via)
            XCTAssertEqual(r.errnoName, "EPERM", "mkdir 02755 via \(via): \(r)")
        }
        XCTAssertEqual(try probe(wt, "try-mknod", wt.path + "/node", "4755").errnoName, "EPERM")
        // A setuid binary of the host cannot be linked in either.
        XCTAssertFalse(try probe(wt, "try-link", "/usr/bin/su", wt.path + "/su").ok)

        // Controls: the same calls without the bits work, so the refusals are about the bits.
        XCTAssertTrue(try probe(wt, "try-chmod", file, "755").ok)
        XCTAssertTrue(try probe(wt, "try-open-creat", wt.path + "/plain", "755", "creat").ok)

        XCTAssertEqual(Harness.setuidOrSetgidFiles(under: wt.path), [])
        let st = try XCTUnwrap(Harness.lstat(file))
        XCTAssertEqual(st.st_uid, 0, "the worktree file is root's on disk: the case the filter exists for")
        XCTAssertEqual(st.st_mode & 0o7777, 0o755)
    }

    /// A filter written for x86_64 alone would miss the same calls made through the 32-bit
    /// entry point (int 0x80, different numbers) or the x32 ABI. Either they fail or the
    /// process is killed (libseccomp's bad-architecture action): never a setuid file.
    func testSetuidThroughOtherSyscallABIsIsRefused() throws {
        let wt = try Harness.makeWorktree(in: base)
        let file = wt.path + "/victim"
        try Harness.write("x", to: file, mode: 0o644)
        for (command, via) in [("try-chmod", "i386"), ("try-chmod", "x32"), ("try-open-creat", "i386"), ("try-open-creat", "x32")] {
            let target = command == "try-chmod" ? file : wt.path + "/new-" + via
            let r = try run(wt.path, wt.probe(command, target, "6755", via))
            if r.exitCode == 0 {
                XCTAssertFalse(try r.json().ok, "\(command) via \(via): \(r.summary)")
            } else {
                XCTAssertEqual(r.exitCode, 128 + SIGSYS, "\(command) via \(via): expected SIGSYS, got \(r.summary)")
            }
        }
        XCTAssertEqual(Harness.setuidOrSetgidFiles(under: wt.path), [])
        // Control: on the host, without the filter, the i386 entry point does set the bits
        // (so the probe really exercises it), unless the kernel lacks 32-bit emulation.
        let control = base + "/control"
        try Harness.write("x", to: control, mode: 0o644)
        let host = try Harness.run([try Harness.probeBinary(), "try-chmod", control, "4755", "i386"])
        if let json = try? host.json(), json.ok {
            XCTAssertEqual(Harness.lstat(control).map { $0.st_mode & 0o7777 }, 0o4755)
        }
    }

    /// A setuid-root binary already in the worktree (put there on the host) gives nothing:
    /// the worktree is mounted nosuid and the command has no_new_privs.
    func testSetuidBinaryInTheWorktreeDoesNotElevate() throws {
        let wt = try Harness.makeWorktree(in: base, uid: 1000, gid: 1000)
        let suid = wt.path + "/suid-probe"
        try FileManager.default.copyItem(atPath: wt.probe, toPath: suid)
        XCTAssertEqual(chown(suid, 0, 0), 0)
        XCTAssertEqual(chmod(suid, 0o6755), 0)
        let facts = try run(wt.path, [suid, "facts"])
        XCTAssertEqual(facts.exitCode, 0, facts.summary)
        let json = try facts.json()
        XCTAssertEqual(json.int("euid"), 1000, "setuid root took effect")
        XCTAssertEqual(json.int("egid"), 1000)
        XCTAssertEqual(json.object("status")?.string("CapEff"), "0000000000000000")
    }

    /// A device node in the worktree (made on the host; the command cannot make one) does
    /// not open inside: the worktree is mounted nodev. The node is /dev/null's (1, 3).
    func testDeviceNodeInTheWorktreeDoesNotOpen() throws {
        let wt = try Harness.makeWorktree(in: base)
        let node = wt.path + "/disk"
        XCTAssertEqual(mknod(node, S_IFCHR | 0o666, dev_t(0x103) /* makedev(1, 3), a macro */), 0, "mknod on the host")
        let r = try probe(wt, "try-write", node, "x")
        XCTAssertFalse(r.ok, "opened a device node in the worktree: \(r)")
        XCTAssertEqual(r.errnoName, "EACCES")
        // Control: the same node opens on the host.
        let control = try Harness.run([try Harness.probeBinary(), "try-write", node, "x"])
        XCTAssertTrue(try control.json().ok, control.summary)
        // And the command cannot make one.
        XCTAssertTrue(try probe(wt, "try-mknod", wt.path + "/regular", "644").ok, "a regular file through mknod is fine")
        let mk = try run(wt.path, ["sh", "-c", "mknod \(wt.path)/null2 c 1 3"])
        XCTAssertNotEqual(mk.exitCode, 0, mk.summary)
        XCTAssertFalse(Harness.exists(wt.path + "/null2"))
    }
}
