import Foundation
import Testing
@testable import SandboxCore

/// `Planner.seccomp`: which policy a profile's `[seccomp] policy` selects, and how the
/// policy travels in a plan.
struct SeccompPolicySelectionTests {
    @Test func builtinNamesSelectBuiltins() throws {
        for name in BuiltinSeccompPolicies.names {
            #expect(try Planner.seccomp(SeccompSettings(policy: name)) == BuiltinSeccompPolicies.named(name))
        }
        #expect(try Planner.seccomp(SeccompSettings(policy: "strict")).defaultAction == .errno(1))
    }

    @Test func unknownNameListsTheBuiltins() {
        let message = SeccompFixtures.errorMessage { _ = try Planner.seccomp(SeccompSettings(policy: "docker")) }
        #expect(message == "unknown seccomp policy \"docker\" (built-in: baseline, default, strict; or a path to an OCI/Docker JSON file)")
    }

    @Test func aPathNeedsTheFileTheRuntimeRead() throws {
        let settings = SeccompSettings(policy: "/etc/sandbox/policy.json")
        #expect(SeccompFixtures.errorMessage { _ = try Planner.seccomp(settings) } == "seccomp policy file /etc/sandbox/policy.json was not read")
        let file = Array(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}"#.utf8)
        let policy = try Planner.seccomp(settings, file: file)
        #expect(policy.action(for: "ptrace") == .errno(1))
        #expect(policy.action(for: "chmod", args: [0, 0o4755]) == .errno(1))  // guards folded in
        let broken = Array(#"{"defaultAction": "SCMP_ACT_NOPE"}"#.utf8)
        #expect(SeccompFixtures.errorMessage { _ = try Planner.seccomp(settings, file: broken) }?
            .hasPrefix("/etc/sandbox/policy.json:1: defaultAction: unknown action") == true)
    }

    @Test func badArchActionRoundTripsAndDefaultsToKillProcess() throws {
        let strict = BuiltinSeccompPolicies.named("strict")!
        let data = try JSONEncoder().encode(strict)
        #expect(try JSONDecoder().decode(SeccompPolicy.self, from: data) == strict)
        let old = Data(#"{"defaultAction": "allow", "rules": []}"#.utf8)
        #expect(try JSONDecoder().decode(SeccompPolicy.self, from: old).badArchAction == .killProcess)
        let trap = Data(#"{"defaultAction": "allow", "rules": [], "badArchAction": "trap"}"#.utf8)
        #expect(try JSONDecoder().decode(SeccompPolicy.self, from: trap).badArchAction == .trap)
    }
}
