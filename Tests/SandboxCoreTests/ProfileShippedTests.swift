import Testing
@testable import SandboxCore

/// The shipped profiles: they parse, the binary embeds exactly the files, and they say
/// what the issue promises.
@Suite struct ProfileShippedTests {
    static let names = ["permissive", "standard", "strict"]

    @Test func everyShippedFileIsEmbeddedVerbatim() throws {
        #expect(BuiltinProfiles.names == Self.names)
        for name in Self.names {
            let onDisk = try ProfileTestSupport.read(ProfileTestSupport.packageRoot + "/profiles/\(name).toml")
            let embedded = try #require(BuiltinProfiles.text(named: name)).bytes
            #expect(embedded == onDisk, "profiles/\(name).toml differs from the embedded text: run scripts/generate-builtin-profiles.sh")
        }
    }

    @Test(arguments: names) func shippedProfileParses(name: String) throws {
        let resolved = try BuiltinProfiles.load(name).get()
        #expect(resolved.profile.name == name)
        #expect(resolved.chain == ["built-in \(name)"])
        #expect(!resolved.profile.description.isEmpty)
        // Runnable where cgroups cannot be written: no cgroup limit or timeout (PROFILES.md).
        let limits = resolved.profile.limits
        #expect(limits.memoryBytes == nil && limits.pids == nil && limits.cpus == nil)
        #expect(limits.wallTimeoutSeconds == nil && limits.cpuTimeoutSeconds == nil && limits.swapBytes == nil)
        #expect(resolved.profile.capabilities.keep.isEmpty)
        #expect(resolved.profile.seccomp.policy == (name == "strict" ? "strict" : "default"))
        #expect(resolved.profile.identity.fallbackHostUID != 0)
    }

    @Test func strictIsTheTightContract() throws {
        let p = try BuiltinProfiles.load("strict").get().profile
        #expect(BuiltinProfiles.defaultName == "strict")
        #expect(p.network.mode == .none)
        #expect(p.filesystem.readOnly == ["/usr", "/etc", "/opt"])
        #expect(p.filesystem.readWrite.isEmpty)
        #expect(p.filesystem.tmpfs.isEmpty)
        #expect(p.filesystem.git == .readOnly)
        #expect(p.environment.allow == ["PATH", "LANG", "LC_*", "TERM", "TZ"])
        #expect(p.environment.set.isEmpty)
        #expect(p.limits.coreDumps == false)
        #expect(p.process.newSession && p.process.dieWithParent && !p.process.tty)
    }

    @Test func standardAndPermissiveDifferWhereTheySay() throws {
        let standard = try BuiltinProfiles.load("standard").get().profile
        let permissive = try BuiltinProfiles.load("permissive").get().profile
        #expect(standard.network.mode == .loopback)
        #expect(permissive.network.mode == .host)
        #expect(standard.filesystem.readWrite.isEmpty && permissive.filesystem.readWrite.isEmpty)
        #expect(standard.environment.set == ["NO_COLOR": "1"])
        #expect(permissive.filesystem.tmpfs == [TmpfsSpec(target: "/home/sandbox/.cache", sizeBytes: 2 << 30)])
    }

    /// What `profile show` prints parses back to the same profile.
    @Test(arguments: names) func renderedProfileRoundTrips(name: String) throws {
        let profile = try BuiltinProfiles.load(name).get().profile
        let text = ProfileRenderer.render(profile, header: ["effective profile \(name)"])
        let again = try ProfileResolver.resolve(name: name, text: ProfileText(origin: "rendered", identity: "r", bytes: Array(text.utf8))) { _, _ in
            .failure(ProfileProblem(origin: "rendered", line: nil, message: "no bases"))
        }.get().profile
        #expect(again == profile, "\(text)")
    }

    /// Startup cost: parsing the built-in default happens on every `sandbox run`.
    @Test func parsingStrictIsFast() throws {
        let clock = ContinuousClock()
        let rounds = 200
        let elapsed = try clock.measure {
            for _ in 0..<rounds { _ = try BuiltinProfiles.load("strict").get() }
        }
        let perParse = elapsed / rounds
        print("parse+resolve built-in strict: \(perParse) per run (debug build)")
        #expect(perParse < .milliseconds(20))
    }
}
