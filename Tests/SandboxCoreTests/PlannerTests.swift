import Testing
@testable import SandboxCore

/// Pure planner behaviour: identity, environment, mount order, refusals.
struct PlannerTests {
    let rootHost = HostFacts(uid: 0, gid: 0, callerEnvironment: [
        "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "AWS_SECRET_ACCESS_KEY": "hunter2",
        "TERM": "xterm", "GITHUB_TOKEN": "ghp_x",
    ], kernelRelease: "6.1.0")
    let rootWorktree = WorktreeInfo(name: "api", path: "/work/wt/api", ownerUID: 0, ownerGID: 0, ownerName: "root",
                                    gitMetadata: ["/work/repo/.git"])
    let userWorktree = WorktreeInfo(name: "web", path: "/home/alice/wt/web", ownerUID: 1000, ownerGID: 1000, ownerName: "alice")

    func plan(_ profile: Profile = BuiltinProfiles.strict, host: HostFacts? = nil, worktree: WorktreeInfo? = nil,
              request: RunRequest = RunRequest(command: ["true"])) throws -> SandboxPlan {
        try Planner.plan(profile: profile, request: request, host: host ?? rootHost, worktree: worktree ?? rootWorktree)
    }

    @Test func rootOwnedWorktreeRunsAsDedicatedHostIDWithIdmap() throws {
        let p = try plan()
        #expect(p.identity == IdentityMapping(insideUID: 0, insideGID: 0, hostUID: IdentitySettings.dedicatedID,
                                              hostGID: IdentitySettings.dedicatedID, idmapWorktree: true))
        #expect(p.identity.hostUID != 0)
        let worktreeStep = try #require(p.mounts.first { $0.target == "/work/wt/api" })
        #expect(worktreeStep.kind == .bind && worktreeStep.idmap && !worktreeStep.readOnly)
        let git = try #require(p.mounts.first { $0.target == "/work/repo/.git" })
        #expect(git.readOnly && git.idmap)
    }

    @Test func userOwnedWorktreeRunsAsItsOwnerWithoutIdmap() throws {
        let p = try plan(worktree: userWorktree)
        #expect(p.identity == IdentityMapping(insideUID: 1000, insideGID: 1000, hostUID: 1000, hostGID: 1000, idmapWorktree: false))
        #expect(p.mounts.allSatisfy { !$0.idmap })
        #expect(p.environment.contains("USER=alice"))
    }

    @Test func unprivilegedCallerMapsOnlyItsOwnIDs() throws {
        let host = HostFacts(uid: 1234, gid: 99, callerEnvironment: [:], kernelRelease: "6.1.0")
        let p = try plan(host: host, worktree: userWorktree)
        #expect(p.identity == IdentityMapping(insideUID: 1234, insideGID: 99, hostUID: 1234, hostGID: 99, idmapWorktree: false))
    }

    @Test func environmentIsClearedToTheAllowlist() throws {
        let p = try plan(request: RunRequest(command: ["env"], environment: [
            EnvironmentOverride(name: "FOO", value: "bar"), EnvironmentOverride(name: "GITHUB_TOKEN", value: nil),
            EnvironmentOverride(name: "NOT_SET_ANYWHERE", value: nil),
        ]))
        #expect(p.environment == [
            "FOO=bar", "GITHUB_TOKEN=ghp_x", "HOME=/home/sandbox", "LANG=C.UTF-8", "LC_ALL=C",
            "PATH=/usr/bin:/bin", "TERM=xterm", "TMPDIR=/tmp", "USER=root",
        ])
        #expect(!p.environment.contains { $0.contains("hunter2") })
        #expect(p.searchPath == "/usr/bin:/bin")
    }

    @Test func missingCallerPathGetsTheDefault() throws {
        let p = try plan(host: HostFacts(uid: 0, gid: 0, callerEnvironment: [:], kernelRelease: "6.1.0"))
        #expect(p.environment.contains("PATH=" + Planner.defaultPath))
    }

    @Test func everyNamespaceAndHostnameForStrict() throws {
        let p = try plan()
        #expect(Set(p.namespaces) == Set(Namespace.allCases))
        #expect(p.hostname == "sandbox" && p.loopbackUp && p.newSession && !p.tty)
        #expect(p.capabilities.isEmpty)
    }

    @Test func hostNetworkDropsOnlyTheNetworkNamespace() throws {
        var profile = BuiltinProfiles.strict
        profile.network.mode = .host
        let p = try plan(profile)
        #expect(!p.namespaces.contains(.network) && p.namespaces.contains(.user) && !p.loopbackUp)
    }

    @Test func mountsComeParentFirst() throws {
        let p = try plan()
        for (i, earlier) in p.mounts.enumerated() {
            for later in p.mounts[(i + 1)...] {
                // A later mount may sit below an earlier one, never above it.
                #expect(!(earlier.target.hasPrefix(later.target + "/")), "\(later.target) would hide \(earlier.target)")
            }
        }
        #expect(p.mounts.firstIndex { $0.target == "/tmp" }! < p.mounts.firstIndex { $0.target == "/work/wt/api" }!)
    }

    @Test func everyMountIsNosuidAndOnlyDeviceNodesAllowDevices() throws {
        let p = try plan()
        for step in p.mounts where step.kind != .symlink {
            #expect(step.nosuid, "\(step.target) must be nosuid")
            if !step.target.hasPrefix("/dev/") || step.kind != .bind {
                #expect(step.nodev, "\(step.target) must be nodev")
            }
        }
        let devices = p.mounts.filter { $0.kind == .bind && $0.target.hasPrefix("/dev/") }.map(\.target)
        #expect(devices == ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"])
    }

    @Test func systemDirectoriesAreReadOnlyAndNothingElseOfTheHostIsBound() throws {
        let p = try plan()
        let binds = p.mounts.filter { $0.kind == .bind && !$0.target.hasPrefix("/dev/") }
        #expect(Set(binds.map(\.target)) == ["/usr", "/etc", "/opt", "/work/wt/api", "/work/repo/.git"])
        for step in binds where step.target != "/work/wt/api" { #expect(step.readOnly, "\(step.target)") }
        #expect(p.mounts.contains { $0.kind == .proc && $0.target == "/proc" })
        #expect(p.mounts.contains { $0.kind == .mask && $0.target == "/proc/kcore" })
        #expect(p.mounts.contains { $0.kind == .readOnly && $0.target == "/proc/sys" })
        #expect(p.mounts.contains { $0.kind == .symlink && $0.target == "/bin" && $0.source == "usr/bin" })
    }

    @Test func mainWorktreeGitDirectoryIsMadeReadOnlyInPlace() throws {
        var worktree = rootWorktree
        worktree.gitMetadata = []
        worktree.gitDirectoryInside = true
        let p = try plan(worktree: worktree)
        let step = try #require(p.mounts.first { $0.target == "/work/wt/api/.git" })
        #expect(step.kind == .readOnly)
        #expect(p.mounts.firstIndex(of: step)! > p.mounts.firstIndex { $0.target == "/work/wt/api" }!)
    }

    @Test func gitNoneShowsNoMetadata() throws {
        var profile = BuiltinProfiles.strict
        profile.filesystem.git = .none
        #expect(try plan(profile).mounts.allSatisfy { !$0.target.contains(".git") })
    }

    @Test func unenforceableLimitsAreRefusedNotIgnored() {
        for mutate in [{ (p: inout Profile) in p.limits.io = IOLimits(weight: 10) }] {
            var profile = BuiltinProfiles.strict
            mutate(&profile)
            #expect(throws: SandboxError.self) { try plan(profile) }
            do { _ = try plan(profile) } catch let e as SandboxError { #expect(e.stage == .profile && e.exitCode == 125) } catch {}
        }
        // Cgroup limits on a host without cgroups (rootHost's default): the host cannot.
        for mutate in [{ (p: inout Profile) in p.limits.memoryBytes = 1 << 30 }, { $0.limits.pids = 64 }, { $0.limits.cpus = 0.5 }] {
            var profile = BuiltinProfiles.strict
            mutate(&profile)
            do { _ = try plan(profile); Issue.record("planned an unenforceable limit") } catch let e as SandboxError {
                #expect(e.stage == .host && e.exitCode == 125 && e.message.contains("--allow-unenforced"))
            } catch {}
        }
    }

    @Test func unknownSeccompPolicyIsRefused() {
        var profile = BuiltinProfiles.strict
        profile.seccomp.policy = "none"
        #expect(throws: SandboxError.self) { try plan(profile) }
    }

    @Test func noCommandNeedsATerminal() throws {
        #expect(throws: SandboxError.self) { try plan(request: RunRequest(command: [], stdinIsTerminal: false)) }
        let p = try plan(request: RunRequest(command: [], stdinIsTerminal: true))
        #expect(p.argv == ["bash", "-i"] && p.tty && !p.newSession)
    }

    @Test func openFilesAreCappedAtTheHostHardLimitAndCoreDumpsOff() throws {
        let host = HostFacts(uid: 0, gid: 0, callerEnvironment: [:], openFilesHardLimit: 4096, kernelRelease: "6.1.0")
        let p = try plan(host: host)
        #expect(p.rlimits.contains(ResourceLimit(resource: .nofile, soft: 4096, hard: 4096)))
        #expect(p.rlimits.contains(ResourceLimit(resource: .core, soft: 0, hard: 0)))
    }

    @Test func targetsMustBeCleanAbsolutePaths() {
        for bad in ["relative", "/a/../b", "/a/./b", "/a//b", "/a/"] {
            #expect(throws: SandboxError.self, "\(bad)") { try Planner.checkTarget(bad) }
        }
        #expect(throws: Never.self) { try Planner.checkTarget("/a/b c/d") }
    }

    @Test func hostileWorktreePathCannotSmuggleATarget() {
        var worktree = rootWorktree
        worktree.path = "/work/../root"
        #expect(throws: SandboxError.self) { try plan(worktree: worktree) }
    }
}

/// --tty shares the caller's terminal: TIOCSTI/TIOCLINUX are refused whatever the policy.
struct TerminalInjectionTests {
    let tiocsti: UInt64 = 0x5412, tioclinux: UInt64 = 0x541C, tcgets: UInt64 = 0x5401

    @Test(arguments: ["baseline", "default", "strict"])
    func ttyRunsRefuseTerminalInjection(policyName: String) throws {
        let base = try #require(BuiltinSeccompPolicies.named(policyName))
        let policy = try Planner.refusingTerminalInjection(base, tty: true)
        for request in [tiocsti, tioclinux, tiocsti | 0x1_0000_0000, tioclinux | 0xffff_ffff_0000_0000] {
            #expect(!policy.action(for: "ioctl", args: [0, request]).permits, "\(policyName) \(String(request, radix: 16))")
        }
        #expect(policy.action(for: "ioctl", args: [0, tcgets]).permits, "ordinary terminal ioctls still work")
    }

    @Test func withoutTtyThePolicyIsUnchanged() throws {
        let base = try #require(BuiltinSeccompPolicies.named("default"))
        #expect(try Planner.refusingTerminalInjection(base, tty: false) == base)
    }

    /// A default-deny policy that allows TIOCSTI by its own conditional rule cannot be made
    /// safe by rewriting one unconditional rule: the tty run is refused.
    @Test func aPolicyAllowingTiocstiConditionallyIsRefusedForTty() {
        let policy = SeccompPolicy(defaultAction: .errno(1), rules: [
            SeccompRule(syscall: "ioctl", action: .allow, args: [SeccompArgument(index: 1, op: .maskedEqual, value: 0xffff_ffff, valueTwo: tiocsti)]),
        ])
        #expect(throws: SandboxError.self) { try Planner.refusingTerminalInjection(policy, tty: true) }
        #expect(throws: Never.self) { try Planner.refusingTerminalInjection(policy, tty: false) }
    }
}

struct TimeoutPlanningTests {
    let worktree = WorktreeInfo(name: "w", path: "/work/w", ownerUID: 1000, ownerGID: 1000)

    func plan(_ limits: (inout LimitSettings) -> Void, cgroup: CgroupHostInfo = .unavailable) throws -> SandboxPlan {
        var profile = BuiltinProfiles.strict
        limits(&profile.limits)
        let host = HostFacts(uid: 0, gid: 0, callerEnvironment: [:], kernelRelease: "6.1.0", cgroup: cgroup)
        return try Planner.plan(profile: profile, request: RunRequest(command: ["true"]), host: host, worktree: worktree)
    }

    @Test func wallTimeoutAndGraceArePlanned() throws {
        let p = try plan { $0.wallTimeoutSeconds = 90; $0.killGraceSeconds = 2 }
        #expect(p.timeouts == TimeoutPlan(wallSeconds: 90, cpuSeconds: nil, graceSeconds: 2))
        #expect(try plan { _ in }.timeouts == TimeoutPlan(graceSeconds: 5))
    }

    @Test func cpuTimeoutWithoutCgroupAccountingIsRefused() {
        #expect(throws: SandboxError.self) { try plan { $0.cpuTimeoutSeconds = 60 } }
    }

    /// A writable v2 host whose subtree has no controller to give the run: no cgroup would be
    /// made, so no CPU counter would exist, and the timeout would never fire.
    @Test func cpuTimeoutWithoutAControllerForTheRunIsRefused() throws {
        let bare = CgroupHostInfo(mode: .unified, root: "/sys/fs/cgroup", controllers: [], writable: true,
                                  swapAccounting: nil, hostHasSwap: false)
        let error = #expect(throws: SandboxError.self) { try plan({ $0.cpuTimeoutSeconds = 60 }, cgroup: bare) }
        #expect(error?.message.contains("no controller for the run's cgroup") == true, "\(error?.message ?? "")")
        let delegated = CgroupHostInfo(mode: .unified, root: "/sys/fs/cgroup", controllers: [.cpu, .memory, .pids],
                                       writable: true, swapAccounting: nil, hostHasSwap: false)
        #expect(try plan({ $0.cpuTimeoutSeconds = 60 }, cgroup: delegated).timeouts.cpuSeconds == 60)
    }

    @Test func messagesNameTheDuration() {
        #expect(TimeoutPlan.format(0.25) == "250ms")
        #expect(TimeoutPlan.format(90) == "90s")
        #expect(TimeoutPlan.format(600) == "10m")
        #expect(TimeoutPlan.format(7200) == "2h")
        #expect(Termination.timedOut(.wall, seconds: 1).exitCode == 124)
        #expect(Termination.timedOut(.cpu, seconds: 1).status == .timeout)
    }
}
