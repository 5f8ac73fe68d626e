import Foundation
@testable import SandboxCore

/// Policy files the seccomp tests read. Docker's own default profile is read from the
/// shared fixtures only when present and is never copied into the project.
enum SeccompFixtures {
    /// `../shared/` beside the checkout (developers and CI have it; users do not).
    static let dockerDefaultPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/fixtures/docker-default-seccomp.json").standardized.path

    static var smallPolicyPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/seccomp/small-docker-policy.json").path
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// nil when the shared fixture is absent (tests then skip, saying why).
    static var dockerDefault: [UInt8]? { try? bytes(dockerDefaultPath) }

    static let kernel = KernelVersion(major: 6, minor: 18)

    static func parse(_ json: String, source: String = "test.json") throws(SandboxError) -> OCISeccompProfile {
        try OCISeccompProfile.parse(Array(json.utf8), source: source)
    }

    /// The message of the SandboxError `body` throws, or nil if it does not throw.
    static func errorMessage(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as SandboxError { return error.message } catch { return "unexpected \(error)" }
        return nil
    }
}

/// Common syscall argument values, named so the tables read as prose.
enum Sys {
    static let cloneNewUser: UInt64 = 0x1000_0000
    static let cloneNewNS: UInt64 = 0x0002_0000
    static let sigchld: UInt64 = 17
    /// What glibc's fork() passes: CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD.
    static let forkFlags: UInt64 = 0x0100_0000 | 0x0020_0000 | 17
    /// pthread_create: VM, FS, FILES, SIGHAND, THREAD, SYSVSEM, SETTLS, PARENT_SETTID, CHILD_CLEARTID.
    static let threadFlags: UInt64 = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000 | 0x100000 | 0x200000
    /// posix_spawn's fallback: CLONE_VM | CLONE_VFORK | SIGCHLD.
    static let spawnFlags: UInt64 = 0x100 | 0x4000 | 17
    static let oCreat: UInt64 = 0o100
    static let oTmpfile: UInt64 = 0o20200000
    static let oRdonly: UInt64 = 0
    static let tiocsti: UInt64 = 0x5412
    static let tioclinux: UInt64 = 0x541C
    static let tcgets: UInt64 = 0x5401
    static let tiocgwinsz: UInt64 = 0x5413
    static let fionread: UInt64 = 0x541B
    static let afUnix: UInt64 = 1, afInet: UInt64 = 2, afInet6: UInt64 = 10, afNetlink: UInt64 = 16
    static let afAlg: UInt64 = 38, afVsock: UInt64 = 40
}
