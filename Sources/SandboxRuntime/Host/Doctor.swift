#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// What this host can enforce. The decisive check is real: a strict run of `true` in a
/// scratch worktree, which exercises namespaces, the idmapped mount (as root), pivot_root,
/// the seccomp filter and the PID-1 init exactly as `sandbox run` does.
public enum Doctor {
    public struct Check: Codable, Equatable, Sendable {
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    public struct Result: Codable, Equatable, Sendable {
        public var checks: [Check]
        public var strictCanRun: Bool

        enum CodingKeys: String, CodingKey {
            case checks
            case strictCanRun = "strict_can_run"
        }
    }

    public static func run(strictProfile: Profile) -> Result {
        var checks: [Check] = []
        let maxUserNS = (try? FileSystem.readText("/proc/sys/user/max_user_namespaces"))?
            .split(separator: "\n").first.flatMap { Int($0) } ?? 0
        checks.append(Check(name: "user namespaces", ok: maxUserNS > 0, detail: "user.max_user_namespaces = \(maxUserNS)"))
        for (name, action) in [("seccomp errno", UInt32(0x0005_0000)), ("seccomp kill_process", 0x8000_0000),
                               ("seccomp user_notif", 0x7fc0_0000), ("seccomp log", 0x7ffc_0000)] {
            let ok = sbx_seccomp_action_available(action) == 1
            checks.append(Check(name: name, ok: ok, detail: ok ? "available" : "not available"))
        }
        let landlock = sbx_landlock_abi_version()
        checks.append(Check(name: "landlock", ok: landlock > 0, detail: landlock > 0 ? "ABI \(landlock)" : "not available (not needed by strict)"))
        checks.append(processLimitCheck(kernelRelease: HostProbe.kernelRelease()))
        let cgroups = CgroupDriverFactory.make()
        checks.append(cgroupCheck(cgroups.info))
        let strict = strictRun(strictProfile, cgroups: cgroups)
        checks.append(strict)
        return Result(checks: checks, strictCanRun: strict.ok)
    }

    /// `limits.processes` (strict sets it) needs RLIMIT_NPROC counted per user namespace.
    static func processLimitCheck(kernelRelease: String) -> Check {
        let needed = Planner.perNamespaceProcessCount
        guard let kernel = KernelVersion(parsing: kernelRelease) else {
            return Check(name: "per-run task limit", ok: false, detail: "kernel release `\(kernelRelease)` not understood")
        }
        let ok = kernel >= needed
        return Check(name: "per-run task limit", ok: ok,
                     detail: ok ? "limits.processes: RLIMIT_NPROC counted per user namespace (Linux \(kernel) >= \(needed))"
                                : "limits.processes needs Linux \(needed)+ (this is \(kernel)): profiles that set it are refused")
    }

    /// Mode, controllers and which limits are enforceable. Not needed by strict (it sets no
    /// cgroup limit), so a host without cgroups only fails the runs that ask for limits.
    static func cgroupCheck(_ info: CgroupHostInfo) -> Check {
        let mode: String
        switch info.mode {
        case .unified: mode = "v2 (unified)"
        case .hybrid: mode = "v1 (hybrid: controllers in v1 hierarchies, cgroup2 without them)"
        case .legacy: mode = "v1 (legacy)"
        case .none: mode = "none"
        }
        var detail = "\(mode) at \(info.root); controllers: \(info.controllers.map(\.rawValue).joined(separator: " "))"
        let enforceable = info.enforceableLimits
        detail += "; enforceable limits: \(enforceable.isEmpty ? "none" : enforceable.map(\.rawValue).joined(separator: ", "))"
        for limit in CgroupLimit.allCases where !enforceable.contains(limit) {
            if let reason = info.unenforceableReason(limit) { detail += "; \(limit.rawValue): \(reason)" }
        }
        return Check(name: "cgroups", ok: !enforceable.isEmpty, detail: detail)
    }

    static func strictRun(_ profile: Profile, cgroups: any CgroupDriver) -> Check {
        // A root-owned scratch worktree in $TMPDIR (default /tmp): whether strict runs there
        // also says whether that file system takes idmapped mounts.
        let tmp = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array("\(tmp)/sandbox-doctor-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }).map({ String(cString: $0) }) else {
            return Check(name: "strict run", ok: false, detail: "mkdtemp: \(SystemError.describe(errno))")
        }
        defer { rmdir(dir) }
        let host = HostProbe.facts(cgroups: cgroups)
        do {
            var st = stat()
            stat(dir, &st)
            let worktree = WorktreeInfo(name: "doctor", path: dir, ownerUID: st.st_uid, ownerGID: st.st_gid)
            let plan = try Planner.plan(profile: profile, request: RunRequest(command: ["true"]), host: host, worktree: worktree)
            let report = SandboxRunner.run(plan, isRoot: host.isRoot, cgroups: cgroups)
            if report.status == .exited && report.exitCode == 0 {
                return Check(name: "strict run", ok: true, detail: "`true` ran under the strict profile in \(report.wallMs) ms")
            }
            return Check(name: "strict run", ok: false, detail: report.error.map { "\($0.stage): \($0.message)" } ?? "exit \(report.exitCode)")
        } catch {
            return Check(name: "strict run", ok: false, detail: error.description)
        }
    }
}
