import Foundation
import Testing
@testable import SandboxCore

/// Hostile OCI/Docker seccomp JSON: seeded mutants of a valid policy and JSON token soup
/// (18,000 cases, a few seconds). The parser must never trap or hang; a refusal is a
/// profile-stage error (exit 125) naming the file; and nothing is accepted silently: an
/// accepted document is valid JSON (Foundation's parser agrees), and every syscall name the
/// profile holds is a string of that document under "names" or "name".
@Suite struct SeccompOCIFuzzTests {
    static let source = "fuzz.json"

    /// Every string under a "names"/"name" key anywhere in the document (Foundation's view).
    static func declaredNames(_ value: Any) -> Set<String> {
        var found: Set<String> = []
        if let object = value as? [String: Any] {
            for (key, child) in object {
                if key == "name", let s = child as? String { found.insert(s) }
                if key == "names", let list = child as? [Any] { found.formUnion(list.compactMap { $0 as? String }) }
                found.formUnion(declaredNames(child))
            }
        } else if let list = value as? [Any] {
            for child in list { found.formUnion(declaredNames(child)) }
        }
        return found
    }

    /// nil when acceptable; otherwise what is wrong with this outcome.
    static func check(_ bytes: [UInt8]) -> String? {
        do {
            let profile = try OCISeccompProfile.parse(bytes, source: source)
            guard let json = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
                  json is [String: Any] else {
                return "accepted a document that is not a JSON object"
            }
            let names = Set(profile.syscalls.flatMap(\.names))
            let declared = declaredNames(json)
            if !names.isSubset(of: declared) { return "invented names \(names.subtracting(declared).sorted())" }
            return nil
        } catch {
            if error.stage != .profile || error.exitCode != 125 { return "error in stage \(error.stage) exit \(error.exitCode)" }
            if !error.message.contains(source) { return "error does not name the file: \(error.message)" }
            return nil
        }
    }

    static func render(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(300), as: UTF8.self) }

    @Test(.timeLimit(.minutes(1))) func mutantsOfAValidPolicyAreRefusedOrFaithful() throws {
        let original = try SeccompFixtures.bytes(SeccompFixtures.smallPolicyPath)
        #expect(Self.check(original) == nil)
        var rng = SplitMix64(seed: 0x0C15_EC00)
        var accepted = 0, problems: [String] = []
        for index in 0..<12_000 {
            var bytes = original
            switch index % 4 {
            case 0:  // flip one byte to an arbitrary value
                bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 1:  // truncate
                bytes = Array(bytes.prefix(rng.below(bytes.count)))
            case 2:  // duplicate a slice somewhere
                let from = rng.below(bytes.count), count = 1 + rng.below(40)
                let slice = bytes[from..<min(bytes.count, from + count)]
                bytes.insert(contentsOf: slice, at: rng.below(bytes.count))
            default:  // splice in a JSON token
                let token = Array(Self.tokens[rng.below(Self.tokens.count)].utf8)
                bytes.insert(contentsOf: token, at: rng.below(bytes.count))
            }
            if (try? OCISeccompProfile.parse(bytes, source: Self.source)) != nil { accepted += 1 }
            if let problem = Self.check(bytes) { problems.append("case \(index): \(problem)\n\(Self.render(bytes))") }
        }
        #expect(problems.isEmpty, "\(problems.count) bad outcomes; first: \(problems.first ?? "")")
        // The mutants are not all trivially broken: the accept path ran too.
        #expect(accepted > 100, "only \(accepted) mutants accepted")
    }

    static let tokens: [String] = [
        "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u0000", "\\ud800", "\\\"", "null", "true", "false", "0", "-1",
        "1e999", "4294967296", "18446744073709551616", "0.5", "\"names\"", "\"name\"", "\"action\"", "\"args\"",
        "\"defaultAction\"", "\"syscalls\"", "\"SCMP_ACT_ALLOW\"", "\"SCMP_ACT_KILL\"", "\"SCMP_CMP_MASKED_EQ\"",
        "\"index\"", "\"value\"", "\"op\"", "\"errnoRet\"", "\"includes\"", "\"minKernel\"", "\"caps\"", "\"arches\"",
        "\"getpid\"", "\"\"", " ", "\n", "\u{0}", "é", "\u{FEFF}", "//", "/*",
    ]

    @Test(.timeLimit(.minutes(1))) func tokenSoupIsRefusedOrFaithful() {
        var rng = SplitMix64(seed: 0x5EC_50F)
        var problems: [String] = []
        for index in 0..<6_000 {
            var text = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
            for _ in 0..<rng.below(30) { text += Self.tokens[rng.below(Self.tokens.count)] }
            if index % 2 == 0 { text += "]}" }
            let bytes = Array(text.utf8)
            if let problem = Self.check(bytes) { problems.append("case \(index): \(problem)\n\(Self.render(bytes))") }
        }
        #expect(problems.isEmpty, "\(problems.count) bad outcomes; first: \(problems.first ?? "")")
    }
}
