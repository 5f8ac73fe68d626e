#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// Timeouts stop the whole run: SIGTERM, then SIGKILL after the grace period; forking, a new
/// session or ignoring SIGTERM does not escape. Runs for real (root, namespaces, cgroups).
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: creates namespaces and cgroups"))
struct TimeoutTests {
    func run(_ command: [String], limits: (inout LimitSettings) -> Void) throws -> (report: RunReport, seconds: Double, marker: String) {
        var template = Array("/tmp/sandbox-timeout-XXXXXX".utf8CString)
        let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        defer { _ = try? Subprocess.run(["rm", "-rf", dir]) }
        chown(dir, 1000, 1000)  // idmapped tmpfs needs a newer kernel than some VMs have
        let worktree = WorktreeInfo(name: "timeout", path: dir, ownerUID: 1000, ownerGID: 1000)
        var profile = BuiltinProfiles.strict
        limits(&profile.limits)
        let cgroups = CgroupDriverFactory.make()
        let plan = try Planner.plan(profile: profile, request: RunRequest(command: command),
                                    host: HostProbe.facts(cgroups: cgroups), worktree: worktree)
        let start = Clock.monotonicNanoseconds()
        let report = SandboxRunner.run(plan, isRoot: true, cgroups: cgroups)
        return (report, Double(Clock.monotonicNanoseconds() - start) / 1e9, dir)
    }

    /// Processes whose command line mentions `marker`.
    func survivors(_ marker: String) throws -> [String] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var found: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(name), pid != getpid(),
                  let cmdline = try? FileSystem.read("/proc/\(name)/cmdline") else { continue }
            let text = String(decoding: cmdline.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            if text.contains(marker) { found.append("\(pid): \(text)") }
        }
        return found
    }

    @Test func wallTimeoutStopsASleepingCommand() throws {
        let (report, seconds, _) = try run(["/bin/sleep", "100"]) { $0.wallTimeoutSeconds = 1; $0.killGraceSeconds = 2 }
        #expect(report.status == .timeout)
        #expect(report.exitCode == 124)
        #expect(report.error?.message.contains("wall-clock timeout of 1s") == true)
        #expect(seconds < 2.5, "SIGTERM ends sleep at once: \(seconds) s")
    }

    @Test func ignoringSigtermAndForkingDoesNotEscape() throws {
        // Both sleepers carry a unique duration in their argv (exec leaves nothing else to find).
        let marker = "300.\(UInt32.random(in: 100_000...999_999))"
        let script = "trap '' TERM; (trap '' TERM; setsid sh -c \"trap '' TERM; exec sleep \(marker)\" &); exec sleep \(marker)"
        let (report, seconds, _) = try run(["/bin/sh", "-c", script]) { $0.wallTimeoutSeconds = 1; $0.killGraceSeconds = 1 }
        #expect(report.status == .timeout && report.exitCode == 124)
        #expect(seconds >= 1.9 && seconds < 3.0, "deadline + grace (+1 s at most): \(seconds) s")
        #expect(try survivors(marker).isEmpty, "no process of the run is left")
    }

    @Test func cpuTimeoutCountsTheWholeRun() throws {
        let (report, seconds, _) = try run(["/bin/sh", "-c", "(while :; do :; done) & while :; do :; done"]) {
            $0.cpuTimeoutSeconds = 1; $0.killGraceSeconds = 1
        }
        #expect(report.status == .timeout && report.exitCode == 124)
        #expect(report.error?.message.contains("CPU timeout of 1s") == true)
        // Two spinning processes on two cores use a CPU second in about half a second.
        #expect(seconds < 3.5, "\(seconds) s")
        #expect((report.usage.cpuUsageMs ?? 0) >= 1000)
    }

    @Test func aCommandThatEndsInTimeIsNotATimeout() throws {
        let (report, _, _) = try run(["/bin/sh", "-c", "exit 3"]) { $0.wallTimeoutSeconds = 10 }
        #expect(report.status == .exited && report.exitCode == 3)
    }
}
