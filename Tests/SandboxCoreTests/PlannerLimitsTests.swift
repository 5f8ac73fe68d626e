import Testing
@testable import SandboxCore

/// The cgroup part of the plan: profile limits, command-line overrides, fail closed.
struct PlannerLimitsTests {
    let worktree = WorktreeInfo(name: "api", path: "/work/wt/api", ownerUID: 1000, ownerGID: 1000)
    let v1 = CgroupHostInfo(mode: .hybrid, root: "/sys/fs/cgroup", controllers: [.memory, .pids, .cpu, .cpuacct, .freezer, .blkio],
                            writable: true, swapAccounting: true, hostHasSwap: false)

    func plan(_ profile: Profile = BuiltinProfiles.strict, request: RunRequest = RunRequest(command: ["true"]),
              cgroup: CgroupHostInfo? = nil) throws -> SandboxPlan {
        let host = HostFacts(uid: 0, gid: 0, callerEnvironment: [:], kernelRelease: "6.1.0", cgroup: cgroup ?? v1)
        return try Planner.plan(profile: profile, request: request, host: host, worktree: worktree)
    }

    @Test func commandLineLimitsBecomeV1Writes() throws {
        let p = try plan(request: RunRequest(command: ["true"], memoryBytes: 128 << 20, pids: 64, cpus: 0.5))
        #expect(p.cgroup.writes == [
            CgroupWrite(.memory, "memory.limit_in_bytes", "134217728"),
            CgroupWrite(.memory, "memory.memsw.limit_in_bytes", "134217728"),
            CgroupWrite(.pids, "pids.max", "64"),
            CgroupWrite(.cpu, "cpu.cfs_period_us", "100000"),
            CgroupWrite(.cpu, "cpu.cfs_quota_us", "50000"),
        ])
        #expect(p.cgroup.summary == CgroupPlan.Summary(memoryBytes: 128 << 20, swapBytes: 0, pids: 64, cpus: 0.5, unenforced: []))
    }

    @Test func commandLineReplacesTheProfile() throws {
        var profile = BuiltinProfiles.strict
        profile.limits.pids = 512
        #expect(try plan(profile).cgroup.limits.pids == 512)
        #expect(try plan(profile, request: RunRequest(command: ["true"], pids: 32)).cgroup.limits.pids == 32)
    }

    /// Without limits a cgroup only counts; on v1 that is not worth five directories per run
    /// (Planner.accountingOnlyWhereCheap), on v2 it costs nothing.
    @Test func noLimitsAccountsOnlyWhereItIsCheap() throws {
        let p = try plan()
        #expect(p.cgroup.writes.isEmpty)
        #expect(p.cgroup.controllers == [])
        var withCPUTimeout = BuiltinProfiles.strict
        withCPUTimeout.limits.cpuTimeoutSeconds = 60
        #expect(try plan(withCPUTimeout).cgroup.controllers == [.memory, .pids, .cpu, .cpuacct, .freezer])
        let v2 = CgroupHostInfo(mode: .unified, root: "/sys/fs/cgroup", controllers: [.memory, .pids, .cpu],
                                writable: true, swapAccounting: nil, hostHasSwap: false)
        #expect(try plan(cgroup: v2).cgroup.controllers == [.memory, .pids, .cpu])
    }

    @Test func allowUnenforcedLetsTheRunGoAndSaysSo() throws {
        let noPids = CgroupHostInfo(mode: .unified, root: "/sys/fs/cgroup", controllers: [.memory, .cpu],
                                    writable: true, swapAccounting: nil, hostHasSwap: false)
        #expect(throws: SandboxError.self) { try plan(request: RunRequest(command: ["true"], pids: 64), cgroup: noPids) }
        let p = try plan(request: RunRequest(command: ["true"], pids: 64, allowUnenforced: [.pids]), cgroup: noPids)
        #expect(p.cgroup.unenforced == [.pids])
        #expect(p.cgroup.writes.isEmpty)
    }

    @Test func badValuesAreUsageErrors() {
        #expect(throws: SandboxError.self) { try plan(request: RunRequest(command: ["true"], cpus: 0.001)) }
        #expect(throws: SandboxError.self) { try plan(request: RunRequest(command: ["true"], memoryBytes: 0)) }
        var swapOnly = BuiltinProfiles.strict
        swapOnly.limits.swapBytes = 1 << 20
        #expect(throws: SandboxError.self) { try plan(swapOnly) }
    }

    @Test func oomIsAStatusWithExit137() {
        #expect(Termination.outOfMemory.exitCode == 137)
        #expect(Termination.outOfMemory.status == .oom)
    }

    /// `processes` is RLIMIT_NPROC, counted per user namespace since Linux 5.14; on an older
    /// kernel the count would be the host uid's, shared between runs: refused, not weakened.
    @Test func processesBecomeAnNprocLimitOnlyWhereCountedPerRun() throws {
        var profile = BuiltinProfiles.strict
        #expect(profile.limits.processes == 1024)
        profile.limits.processes = 200
        func planOn(_ release: String) throws -> SandboxPlan {
            let host = HostFacts(uid: 0, gid: 0, callerEnvironment: [:], kernelRelease: release, cgroup: v1)
            return try Planner.plan(profile: profile, request: RunRequest(command: ["true"]), host: host, worktree: worktree)
        }
        for release in ["5.14.0", "6.1.0-27-amd64", "6.18.44-fc-v669"] {
            #expect(try planOn(release).rlimits.contains(ResourceLimit(resource: .nproc, soft: 200, hard: 200)), "\(release)")
        }
        for release in ["5.13.19", "", "unknown"] {
            let error = #expect(throws: SandboxError.self, "\(release)") { try planOn(release) }
            #expect(error?.message.contains("limit `processes` cannot be enforced per run") == true, "\(error?.message ?? "")")
        }
        profile.limits.processes = nil
        #expect(try planOn("5.10.0").rlimits.allSatisfy { $0.resource != .nproc })
    }
}
