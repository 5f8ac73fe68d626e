import Glibc
import Testing
@testable import SandboxCore

/// Malformed profiles under Fixtures/profiles: each NAME.toml must give exactly the lines in
/// NAME.expected (what `sandbox profile check` prints). Set SANDBOX_RECORD_CORPUS=1 to
/// rewrite the .expected files, then review every diff by hand.
@Suite struct ProfileCorpusTests {
    static let directory = ProfileTestSupport.packageRoot + "/Tests/SandboxCoreTests/Fixtures/profiles"

    static var cases: [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".toml") { names.append(String(name.dropLast(5))) }
        }
        return names.sorted()
    }

    @Test func corpusHasAtLeastFortyCases() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases) func malformedProfileGivesExactMessages(name: String) throws {
        let bytes = try ProfileTestSupport.read("\(Self.directory)/\(name).toml")
        let actual: [String]
        switch ProfileParser.parse(bytes, origin: "\(name).toml") {
        case .success: actual = []
        case .failure(let problems): actual = problems.problems.map(\.description)
        }
        let expectedPath = "\(Self.directory)/\(name).expected"
        if getenv("SANDBOX_RECORD_CORPUS") != nil {
            let file = fopen(expectedPath, "wb")
            fputs(actual.map { $0 + "\n" }.joined(), file)
            fclose(file)
            Issue.record("recorded \(expectedPath): review the diff, then run again without SANDBOX_RECORD_CORPUS")
        }
        let expected = String(decoding: try ProfileTestSupport.read(expectedPath), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        #expect(!actual.isEmpty, "\(name).toml was accepted")
        #expect(actual == expected)
    }

    @Test func hugeFileIsRefusedBeforeParsing() {
        let text = "description = \"x\"\n" + String(repeating: "# padding\n", count: 30_000)
        #expect(ProfileTestSupport.messages(text) == ["test.toml: file is 300018 bytes; a profile may be at most 262144 bytes"])
    }
}
