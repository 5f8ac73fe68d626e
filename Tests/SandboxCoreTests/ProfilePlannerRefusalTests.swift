import Testing
@testable import SandboxCore

/// The Planner edits that came with profiles: keys this version cannot enforce are refused
/// (fail closed), and the new fields it can honour are honoured.
@Suite struct ProfilePlannerRefusalTests {
    let host = HostFacts(uid: 0, gid: 0, callerEnvironment: ["PATH": "/usr/bin", "LC_ALL": "C", "LC_TIME": "C"], kernelRelease: "6.1.0")
    let worktree = WorktreeInfo(name: "w", path: "/work/w", ownerUID: 0, ownerGID: 0)

    func plan(_ text: String) -> Result<SandboxPlan, SandboxError> {
        let profile: Profile
        do {
            profile = try ProfileResolver.resolve(name: "t", text: ProfileText(origin: "t.toml", identity: "t", bytes: Array(text.utf8))) { _, _ in
                .failure(ProfileProblem(origin: "t.toml", line: nil, message: "no bases"))
            }.get().profile
        } catch {
            return .failure(SandboxError(.profile, "parse failed: \(error)"))
        }
        do { return .success(try Planner.plan(profile: profile, request: RunRequest(command: ["true"]), host: host, worktree: worktree)) }
        catch { return .failure(error) }
    }

    @Test(arguments: [
        ("[limits]\nswap = 0\n", "limits.swap"),  // swap only on top of a memory limit
        ("[limits]\nio = { weight = 10 }\n", "limits.io"),
    ])
    func unenforceableLimitIsRefused(text: String, key: String) {
        guard case .failure(let error) = plan(text) else { Issue.record("\(key) was planned"); return }
        #expect(error.stage == .profile)
        #expect(error.message.contains(key))
        #expect(error.exitCode == 125)
    }

    /// Cgroup limits are planned; on a host without cgroups (this test's host facts) they
    /// fail closed as a host error naming the limit and `--allow-unenforced`.
    @Test(arguments: [
        ("[limits]\nmemory = \"1GiB\"\n", "memory"), ("[limits]\npids = 10\n", "pids"), ("[limits]\ncpus = 1\n", "cpu"),
    ])
    func cgroupLimitWithoutCgroupsIsAHostError(text: String, limit: String) {
        guard case .failure(let error) = plan(text) else { Issue.record("\(limit) was planned"); return }
        #expect(error.stage == .host)
        #expect(error.message.contains("limit `\(limit)`") && error.message.contains("--allow-unenforced \(limit)"))
        #expect(error.exitCode == 125)
    }

    @Test func dieWithParentFalseIsRefusedAndKeptCapabilitiesArePlanned() throws {
        guard case .failure(let e1) = plan("[process]\ndie_with_parent = false\n"),
              case .failure(let e3) = plan("[seccomp]\npolicy = \"/nonexistent/policy.json\"\n") else {
            Issue.record("planned")
            return
        }
        #expect(e1.message.contains("die_with_parent"))
        #expect(e3.message.contains("/nonexistent/policy.json"), "a named file must have been read")
        #expect(try plan("[capabilities]\nkeep = [\"CAP_NET_RAW\"]\n").get().capabilities == ["CAP_NET_RAW"])
    }

    @Test func identityFallbackDenyAndReadOnlyBindsAreHonoured() throws {
        let plan = try plan("""
            [identity]
            fallback_uid = 3000000000
            fallback_gid = 3000000001
            [environment]
            allow = ["PATH", "LC_*"]
            deny = ["LC_ALL"]
            [filesystem]
            read_only_binds = ["/srv/data:/data"]
            """).get()
        #expect(plan.identity.hostUID == 3_000_000_000)
        #expect(plan.identity.hostGID == 3_000_000_001)
        #expect(plan.environment.contains("LC_TIME=C"))
        #expect(!plan.environment.contains { $0.hasPrefix("LC_ALL=") })
        let bind = plan.mounts.first { $0.target == "/data" }
        #expect(bind?.source == "/srv/data" && bind?.readOnly == true && bind?.optional == false)
    }
}
