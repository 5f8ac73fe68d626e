import Foundation
import Testing
@testable import SandboxCore

@Suite struct ProfileOverridesTests {
    let strict = BuiltinProfiles.strict

    @Test func flagsOverrideTheProfile() throws {
        let overrides = try ProfileOverrides(memory: "2G", pids: "256", cpus: "1.5", timeout: "90s", network: "loopback",
                                             roBind: ["/data:/in"], bind: ["/srv/out"], tmpfs: ["/scratch:16MiB", "/t"],
                                             unsetEnv: ["TERM"])
        let p = overrides.apply(to: strict)
        #expect(p.limits.memoryBytes == 2 << 30)
        #expect(p.limits.pids == 256)
        #expect(p.limits.cpus == 1.5)
        #expect(p.limits.wallTimeoutSeconds == 90)
        #expect(p.network.mode == .loopback)
        #expect(p.filesystem.readOnlyBinds == [BindSpec(source: "/data", target: "/in")])
        #expect(p.filesystem.readWrite == [BindSpec(source: "/srv/out")])
        #expect(p.filesystem.tmpfs == [TmpfsSpec(target: "/scratch", sizeBytes: 16 << 20), TmpfsSpec(target: "/t", sizeBytes: 64 << 20)])
        #expect(p.environment.deny == ["TERM"])
        #expect(overrides.flags.first == "--memory 2G")
        // Untouched settings stay.
        #expect(p.filesystem.readOnly == strict.filesystem.readOnly)
        #expect(ProfileOverrides().apply(to: strict) == strict)
    }

    @Test func readOnlyFlagWinsOverAWritableBindAtTheSameTarget() throws {
        var profile = strict
        profile.filesystem.readWrite = [BindSpec(source: "/srv/data", target: "/data")]
        let p = try ProfileOverrides(roBind: ["/srv/data:/data"]).apply(to: profile)
        #expect(p.filesystem.readWrite.isEmpty)
        #expect(p.filesystem.readOnlyBinds == [BindSpec(source: "/srv/data", target: "/data")])
    }

    @Test func unsetEnvDropsAFixedValueToo() throws {
        var profile = strict
        profile.environment.set = ["TOKEN": "x", "KEEP": "y"]
        let p = try ProfileOverrides(unsetEnv: ["TOKEN"]).apply(to: profile)
        #expect(p.environment.set == ["KEEP": "y"])
        #expect(p.environment.deny == ["TOKEN"])
    }

    @Test(arguments: [
        (ProfileOverridesTests.Flags(memory: "12Q"), "usage: --memory 12Q: bad size \"12Q\": unknown unit \"Q\" (use B, K, KiB, M, MiB, G, GiB, T, TiB)"),
        (Flags(memory: "1M"), "usage: --memory 1M: out of range (4MiB to 1024TiB)"),
        (Flags(pids: "0"), "usage: --pids 0: expected an integer from 1 to 4194304"),
        (Flags(cpus: "nan"), "usage: --cpus nan: expected a number from 0.01 to 1024"),
        (Flags(timeout: "90"), "usage: --timeout 90: duration \"90\" needs a unit (ms, s, m, h), e.g. \"90s\""),
        (Flags(network: "internet"), "usage: --network internet: expected none, loopback or host"),
        (Flags(bind: ["relative"]), "usage: --bind relative: \"relative\" is not an absolute path"),
        (Flags(bind: ["/"]), "usage: --bind /: \"/\" would expose the whole host; name the directories instead"),
        (Flags(roBind: ["/a:/b:/c"]), "usage: --ro-bind /a:/b:/c: expected SRC[:DST] (paths holding ':' need a profile)"),
        (Flags(tmpfs: ["/t:1K"]), "usage: --tmpfs /t:1K: size out of range (64KiB to 1TiB)"),
        (Flags(unsetEnv: ["HOME"]), "usage: --unset-env HOME: the runner always sets HOME"),
        (Flags(unsetEnv: ["A-B"]), "usage: --unset-env A-B: invalid variable name"),
    ])
    func badFlagsAreUsageErrors(flags: Flags, message: String) {
        #expect(throws: SandboxError.self) { try flags.parse() }
        do {
            _ = try flags.parse()
        } catch {
            #expect(error.description == message)
            #expect(error.exitCode == 125)
        }
    }

    struct Flags: Sendable {
        var memory: String?, pids: String?, cpus: String?, timeout: String?, network: String?
        var roBind: [String] = [], bind: [String] = [], tmpfs: [String] = [], unsetEnv: [String] = []
        func parse() throws(SandboxError) -> ProfileOverrides {
            try ProfileOverrides(memory: memory, pids: pids, cpus: cpus, timeout: timeout, network: network,
                                 roBind: roBind, bind: bind, tmpfs: tmpfs, unsetEnv: unsetEnv)
        }
    }

    @Test func settingsSummaryHasEveryKeyWithNullsForUnsetLimits() throws {
        let overrides = try ProfileOverrides(network: "host")
        let settings = EffectiveSettings(profile: overrides.apply(to: strict), files: ["built-in strict"], overrides: overrides)
        let data = try JSONEncoder().encode(settings)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["profile"] as? String == "strict")
        #expect(object["network"] as? String == "host")
        #expect(object["overrides"] as? [String] == ["--network host"])
        #expect(object["profile_files"] as? [String] == ["built-in strict"])
        #expect(object["memory_bytes"] is NSNull)
        #expect(object["wall_timeout_ms"] is NSNull)
        #expect(object["open_files"] as? Int == 65536)
        #expect(object["processes"] as? Int == 1024)
        #expect(object.count == 37)
        let decoded = try JSONDecoder().decode(EffectiveSettings.self, from: data)
        #expect(decoded == settings)
    }
}
