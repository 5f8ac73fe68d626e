import Testing
@testable import SandboxCore

/// Random documents (TOML-shaped token soup and raw bytes) never trap or hang the parser,
/// and large inputs stay fast. Complements ProfileMutationTests, which starts from valid
/// profiles.
@Suite struct ProfileFuzzTests {
    static let tokens: [String] = [
        "[", "]", "[[", "]]", "{", "}", "=", ",", ".", "\n", "\r\n", " ", "#c\n", "\"", "'", "\"\"\"", "'''", "\\", "\\u0000",
        "\\u00e9", "\\U0001F600", "a", "limits", "filesystem", "memory", "read_only", "mode", "\"/usr\"", "\"1GiB\"", "1",
        "-1", "0x1F", "1e9", "1_0", "inf", "nan", "true", "false", "1979-05-27", "07:32", "\"unlimited\"", "network",
        "extends", "\"strict\"", "é", "\u{7}", "\t",
    ]

    @Test(.timeLimit(.minutes(1))) func tokenSoupNeverTrapsOrHangs() {
        var rng = SplitMix64(seed: 0xF022)
        var accepted = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<(1 + rng.below(40)) { text += Self.tokens[rng.below(Self.tokens.count)] }
            switch ProfileParser.parse(text, origin: "fuzz") {
            case .success: accepted += 1
            case .failure(let problems): #expect(!problems.problems.isEmpty)
            }
        }
        // Some soup is valid (empty tables, comments): the accept path ran too.
        #expect(accepted > 0)
    }

    @Test(.timeLimit(.minutes(1))) func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 0xB17E5)
        for _ in 0..<20_000 {
            let bytes = (0..<rng.below(64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if case .failure(let problems) = ProfileParser.parse(bytes, origin: "fuzz") { #expect(!problems.problems.isEmpty) }
        }
    }

    @Test(.timeLimit(.minutes(1))) func largeInputsStayFast() {
        let clock = ContinuousClock()
        // 255 KiB of list entries: refused by the entry cap, in well under a second.
        let entries = (0..<20_000).map { "\"/p\($0)\"" }.joined(separator: ",")
        let list = "[filesystem]\nread_only = [" + entries + "]\n"
        var messages: [String] = []
        let listTime = clock.measure { messages = ProfileTestSupport.messages(list) }
        #expect(messages == ["test.toml:2: filesystem.read_only: has 20000 entries; at most 1024 are allowed"])
        // Thousands of unknown keys: one problem each, still fast.
        let keys = (0..<5_000).map { "k\($0) = 1\n" }.joined()
        var count = 0
        let keyTime = clock.measure { count = ProfileTestSupport.messages(keys).count }
        #expect(count == 5_000)
        // Deep nesting is refused, not recursed into.
        #expect(ProfileTestSupport.messages("a = " + String(repeating: "[", count: 100_000)).first?.contains("nested more than 32 deep") == true)
        #expect(listTime < .seconds(2) && keyTime < .seconds(5), "\(listTime) \(keyTime)")
    }
}
