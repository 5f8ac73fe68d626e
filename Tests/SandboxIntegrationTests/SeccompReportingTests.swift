#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// Denials are visible: errno decisions reach the command unchanged and the report names
/// the syscall; a kill decision ends the run as `seccomp` (exit 159) naming the syscall.
/// Runs for real (root, real namespaces), with policies built for the test.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: creates namespaces and idmapped mounts"))
struct SeccompReportingTests {
    func run(_ command: [String], adding rules: [SeccompRule]) throws -> RunReport {
        var template = Array("/tmp/sandbox-seccomp-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { _ = try? Subprocess.run(["rm", "-rf", dir]) }
        var st = stat()
        stat(dir, &st)
        let worktree = WorktreeInfo(name: "seccomp", path: dir, ownerUID: st.st_uid, ownerGID: st.st_gid)
        var plan = try Planner.plan(profile: BuiltinProfiles.strict, request: RunRequest(command: command),
                                    host: HostProbe.facts(), worktree: worktree)
        // On the baseline policy (everything allowed but the guards), so that the test's own
        // rule decides; the built-in policies are exercised by StrictPolicyRunTests.
        plan.seccomp = BaselineGuards.policy
        plan.seccomp.rules += rules
        return SandboxRunner.run(plan, isRoot: true)
    }

    @Test func errnoDenialIsAnsweredAndCounted() throws {
        // `sh` calls getppid for $PPID; three more calls from the loop.
        let report = try run(["/bin/sh", "-c", "for i in 1 2 3; do /bin/sh -c 'echo $PPID' >/dev/null; done; exit 7"],
                             adding: [SeccompRule(syscall: "getppid", action: .errno(1))])
        #expect(report.status == .exited && report.exitCode == 7)
        let getppid = try #require(report.deniedSyscalls.first { $0.name == "getppid" })
        #expect(getppid.count >= 3)
    }

    @Test func killDecisionEndsTheRunAsSeccomp() throws {
        let report = try run(["/bin/sh", "-c", "echo $PPID; exit 0"],
                             adding: [SeccompRule(syscall: "getppid", action: .killProcess)])
        #expect(report.status == .seccomp)
        #expect(report.exitCode == 159)
        #expect(report.error?.message.contains("getppid") == true)
    }

    @Test func setuidBitDenialIsReported() throws {
        let report = try run(["/bin/sh", "-c", "touch f && chmod 4755 f; test ! -u f"], adding: [])
        #expect(report.status == .exited && report.exitCode == 0, "chmod u+s must fail inside")
        #expect(report.deniedSyscalls.contains { $0.name == "fchmodat" })
    }
}

/// A notification is answered with the policy's errno for exactly that call's arguments.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: creates namespaces"))
struct SeccompPerArgumentAnswerTests {
    @Test func oneSyscallTwoErrnos() throws {
        var template = Array("/tmp/sandbox-seccomp-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { _ = try? Subprocess.run(["rm", "-rf", dir]) }
        chown(dir, 1000, 1000)
        let output = dir + "/out"
        let script = "import os,sys\nout=open(sys.argv[1],'w')\nfor n in (1, 2):\n    try: os.setpgid(0, n)\n    except OSError as e: out.write(str(e.errno)+'\\n')"
        var plan = try Planner.plan(profile: BuiltinProfiles.strict, request: RunRequest(command: ["/usr/bin/python3", "-c", script, output]),
                                    host: HostProbe.facts(), worktree: WorktreeInfo(name: "s", path: dir, ownerUID: 1000, ownerGID: 1000))
        // Under the strict policy (default EPERM) without its setpgid allow: setpgid(0, 2) has
        // its own rule (EXDEV, 18), setpgid(0, 1) falls to the default (EPERM, 1). Both reach
        // the supervisor as notifications for the same syscall number.
        plan.seccomp.rules.removeAll { $0.syscall == "setpgid" }
        plan.seccomp.rules.append(
            SeccompRule(syscall: "setpgid", action: .errno(18), args: [SeccompArgument(index: 1, op: .equal, value: 2)]))
        let report = SandboxRunner.run(plan, isRoot: true)
        #expect(report.exitCode == 0, "\(report.error?.message ?? "")")
        #expect(try FileSystem.readText(output) == "1\n18\n")
        #expect(report.deniedSyscalls.contains(RunReport.DeniedSyscall(name: "setpgid", count: 2)))
    }
}
