import Foundation
import Testing
@testable import SandboxCore

/// Every shipped profile yields a plan, compared with Fixtures/plans/NAME.json. When the
/// Planner changes on purpose, rerun with SANDBOX_RECORD_PLANS=1 and review the diff.
@Suite struct ProfilePlanGoldenTests {
    static let directory = ProfileTestSupport.packageRoot + "/Tests/SandboxCoreTests/Fixtures/plans"

    @Test(arguments: ProfileShippedTests.names)
    func shippedProfileYieldsTheGoldenPlan(name: String) throws {
        let profile = try BuiltinProfiles.load(name).get().profile
        let host = HostFacts(uid: 1000, gid: 1000,
                             callerEnvironment: ["PATH": "/usr/bin:/bin", "TERM": "xterm", "LC_ALL": "C", "CI": "1", "GITHUB_TOKEN": "secret"], kernelRelease: "6.1.0")
        let worktree = WorktreeInfo(name: "w1", path: "/work/w1", ownerUID: 1000, ownerGID: 1000, ownerName: "dev",
                                    gitMetadata: ["/work/main/.git", "/work/main/.git/worktrees/w1"])
        let plan = try Planner.plan(profile: profile, request: RunRequest(command: ["make", "test"]), host: host, worktree: worktree)
        #expect(!plan.environment.contains { $0.hasPrefix("GITHUB_TOKEN=") })
        #expect(plan.namespaces.contains(.network) == (profile.network.mode != .host))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(plan) + Data("\n".utf8)
        let path = "\(Self.directory)/\(name).json"
        if ProcessInfo.processInfo.environment["SANDBOX_RECORD_PLANS"] != nil {
            try json.write(to: URL(fileURLWithPath: path))
            Issue.record("recorded \(path): review the diff, then run again without SANDBOX_RECORD_PLANS")
        }
        let golden = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(String(decoding: json, as: UTF8.self) == String(decoding: golden, as: UTF8.self))
    }
}
