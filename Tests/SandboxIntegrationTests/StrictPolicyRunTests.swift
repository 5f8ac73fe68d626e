#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// The built-in `strict` policy in a real sandbox (root, real namespaces): ordinary
/// toolchains run, and each denied class answers its errno with the syscall named in the
/// report.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: creates namespaces and idmapped mounts"))
struct StrictPolicyRunTests {
    func run(_ script: String, policy: String = "strict") throws -> RunReport {
        var template = Array("/tmp/sandbox-strict-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { _ = try? Subprocess.run(["rm", "-rf", dir]) }
        var st = stat()
        stat(dir, &st)
        let worktree = WorktreeInfo(name: "strict", path: dir, ownerUID: st.st_uid, ownerGID: st.st_gid)
        var plan = try Planner.plan(profile: BuiltinProfiles.strict, request: RunRequest(command: ["/bin/sh", "-c", script]),
                                    host: HostProbe.facts(), worktree: worktree)
        plan.seccomp = try #require(BuiltinSeccompPolicies.named(policy))
        return SandboxRunner.run(plan, isRoot: true)
    }

    @Test func pythonMultiprocessingRuns() throws {
        let report = try run(#"""
        python3 -c '
        import multiprocessing as mp
        def sq(x): return x * x
        if __name__ == "__main__":
            with mp.Pool(2) as p: assert p.map(sq, range(4)) == [0, 1, 4, 9]
            q = mp.Queue(); pr = mp.Process(target=q.put, args=(1,)); pr.start(); assert q.get() == 1; pr.join()
        '
        """#)
        #expect(report.status == .exited && report.exitCode == 0, "\(report.deniedSyscalls)")
    }

    @Test func nodeAndGccAndMakeRun() throws {
        let report = try run(#"""
        set -e
        node -e 'require("child_process").execSync("true"); require("fs").writeFileSync("n", "x")'
        printf '#include <pthread.h>\nvoid*f(void*a){return a;}\nint main(){pthread_t t;pthread_create(&t,0,f,0);return pthread_join(t,0);}\n' > a.c
        printf 'a: a.c\n\tgcc -pthread -o a a.c\n' > Makefile
        make -s && ./a
        """#)
        #expect(report.status == .exited && report.exitCode == 0, "\(report.deniedSyscalls)")
    }

    @Test func gitAndSwiftBuildAndTestRun() throws {
        let report = try run(#"""
        set -e
        git init -q r && cd r && echo x > f && git add f
        git -c user.email=t@t -c user.name=t commit -qm m && echo y >> f
        git status --short | grep -q f && git diff --stat | grep -q "1 file" && git log --oneline | grep -q m
        cd .. && mkdir Tiny && cd Tiny && swift package init --type library --name Tiny >/dev/null
        swift build -q && swift test -q
        """#)
        #expect(report.status == .exited && report.exitCode == 0, "\(report.deniedSyscalls)")
    }

    @Test func deniedClassesAnswerTheirErrnoAndAreNamed() throws {
        // Each line prints the errno Python sees; the report must name the syscall.
        let report = try run(#"""
        python3 -c '
        import ctypes, os, socket, sys
        libc = ctypes.CDLL(None, use_errno=True)
        def call(nr, *a):
            r = libc.syscall(nr, *[ctypes.c_ulong(x) for x in a])
            return 0 if r >= 0 else ctypes.get_errno()
        checks = {
            "unshare": (call(272, 0x10000000), 1),
            "ptrace": (call(101, 0, 0, 0, 0), 1),
            "clone3": (call(435, 0, 0), 38),
            "ioctl": (call(16, 0, (1 << 32) | 0x5412, 0), 1),
            "personality": (call(135, 0x400000), 1),
            "keyctl": (call(250, 0, 0), 1),
        }
        try: socket.socket(38, socket.SOCK_SEQPACKET); checks["socket"] = (0, 97)
        except OSError as e: checks["socket"] = (e.errno, 97)
        bad = {k: v for k, v in checks.items() if v[0] != v[1]}
        print(bad); sys.exit(1 if bad else 0)
        '
        """#)
        #expect(report.status == .exited && report.exitCode == 0)
        let named = Set(report.deniedSyscalls.map(\.name))
        for name in ["unshare", "ptrace", "clone3", "ioctl", "personality", "keyctl", "socket"] {
            #expect(named.contains(name), "report names \(name): \(named)")
        }
    }
}
