import Glibc
import Testing
@testable import SandboxCore

/// Mutation test over the shipped profiles: byte flips, truncations and duplications
/// (12,000 seeded cases). A mutant must never crash or hang the parser, and must never be
/// accepted with a meaning that changed silently.
///
/// The oracle for "silently": the bytes a mutation touched cover some lines of the original
/// text and some lines of the mutant. Each key owns the lines from its own line to the line
/// before the next key or table header, plus its table's header line. A mutant may be
/// accepted only if every key whose value differs from the original's (including keys that
/// appear or vanish) owns a touched line, in the original or in the mutant. So a flip
/// inside `"/usr"` may change `read_only`, a flipped `#` may turn a comment into a key on
/// that line, a truncation may drop the keys after the cut; but no mutation may change
/// a key it did not touch (a string swallowing the lines after it, a NUL cutting a value
/// short, a duplicated line silently overriding an earlier key). A changed line break
/// touches the next line too: a comment that swallows the key below it changed both lines.
///
/// The oracle was checked against a planted bug: a parser that stops at the first NUL byte
/// (as TOMLKit's C-string API does) fails this test within the first few hundred cases.
@Suite struct ProfileMutationTests {
    static let casesPerProfile = 4000

    struct Outcome {
        var accepted = 0
        var rejected = 0
        var silentChanges: [String] = []
    }

    @Test(.timeLimit(.minutes(1)), arguments: ProfileShippedTests.names)
    func mutantsNeverChangeMeaningSilently(name: String) throws {
        let original = try #require(BuiltinProfiles.text(named: name)).bytes
        let base = try ProfileParser.parse(original, origin: name).get()
        var seed: UInt64 = 0x5EED_0000 &+ UInt64(name.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })
        if let text = getenv("SANDBOX_MUTATION_SEED"), let value = UInt64(String(cString: text)) { seed = value }
        var rng = SplitMix64(seed: seed)
        var outcome = Outcome()
        for index in 0..<Self.casesPerProfile {
            let mutation = Mutation.random(over: original, using: &rng, kind: index % 3)
            let mutant = mutation.apply(to: original)
            switch ProfileParser.parse(mutant, origin: name) {
            case .failure(let problems):
                outcome.rejected += 1
                #expect(!problems.problems.isEmpty)
            case .success(let layer):
                outcome.accepted += 1
                let changed = Self.silentlyChanged(original: original, base: base, mutant: mutant, layer: layer, mutation: mutation)
                if !changed.isEmpty {
                    outcome.silentChanges.append("seed \(seed) case \(index) \(mutation): \(changed)")
                }
                // Whatever was accepted, `profile show` prints it back faithfully.
                if layer.extends == nil, case .success(let profile) = ProfileResolver.merge(name: name, layers: [layer]) {
                    let rendered = ProfileRenderer.render(profile)
                    let again = try ProfileParser.parse(rendered, origin: "rendered").flatMap { ProfileResolver.merge(name: name, layers: [$0]) }.get()
                    if again != profile { outcome.silentChanges.append("case \(index) \(mutation): render round trip differs") }
                }
            }
        }
        print("\(name): \(Self.casesPerProfile) mutants, \(outcome.accepted) accepted, \(outcome.rejected) rejected (seed \(seed))")
        #expect(outcome.silentChanges.isEmpty, "\(outcome.silentChanges.prefix(5))")
        // The oracle must have been exercised both ways.
        #expect(outcome.accepted > 100)
        #expect(outcome.rejected > 100)
    }

    /// Keys whose value differs from the original's without owning a touched line.
    static func silentlyChanged(original: [UInt8], base: ProfileLayer, mutant: [UInt8], layer: ProfileLayer, mutation: Mutation) -> [String] {
        let before = mutation.touchedLines(in: original, mutated: false)
        let after = mutation.touchedLines(in: mutant, mutated: true)
        let ownersBefore = owners(of: before, lines: base.lines, lineCount: lineCount(original))
        let ownersAfter = owners(of: after, lines: layer.lines, lineCount: lineCount(mutant))
        let keys = Set(base.values.keys).union(layer.values.keys)
        return keys.sorted().filter { key in
            base.values[key] != layer.values[key] && !ownersBefore.contains(key) && !ownersAfter.contains(key)
        }
    }

    /// Keys (schema paths) that own a line in `touched`.
    static func owners(of touched: ClosedRange<Int>, lines: [String: Int], lineCount: Int) -> Set<String> {
        // Anchors: every key and table header of at most two parts (no array elements).
        let anchorLines = Set(lines.filter { path, _ in
            let parts = path.split(separator: ".")
            return parts.count <= 2 && !parts.contains { $0.allSatisfy(\.isNumber) }
        }.values).sorted()
        var result: Set<String> = []
        for key in ProfileSchema.keys {
            guard let start = lines[key.path] else { continue }
            let end = (anchorLines.first { $0 > start } ?? lineCount + 1) - 1
            let header = key.table.isEmpty ? nil : lines[key.table]
            if touched.overlaps(start...max(start, end)) || header.map(touched.contains) == true {
                result.insert(key.path)
            }
        }
        return result
    }

    static func lineCount(_ bytes: [UInt8]) -> Int {
        bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
}

/// One edit of the bytes, and the byte ranges it touched before and after.
struct Mutation: CustomStringConvertible {
    enum Kind { case flip(at: Int, to: UInt8), truncate(at: Int), duplicate(from: Int, count: Int, to: Int) }
    var kind: Kind

    /// Bytes that make a flip interesting for TOML (structure, quotes, units, NUL, bad UTF-8).
    static let interesting: [UInt8] = Array("\"'#[]{}=,.\n\r\\ 0123456789abcdefmsuGKiBtrn_-*:/".utf8) + [0, 0x7F, 0x80, 0xC3, 0xFF]

    static func random(over bytes: [UInt8], using rng: inout SplitMix64, kind: Int) -> Mutation {
        let n = bytes.count
        switch kind {
        case 0:
            let at = rng.below(n)
            let to = rng.below(2) == 0 ? interesting[rng.below(interesting.count)] : bytes[at] ^ UInt8(1 << rng.below(8))
            return Mutation(kind: .flip(at: at, to: to))
        case 1:
            return Mutation(kind: .truncate(at: rng.below(n + 1)))
        default:
            // Whole lines half the time (the common real-world accident), else any span.
            var from = rng.below(n), count = 1 + rng.below(80)
            if rng.below(2) == 0 {
                while from > 0, bytes[from - 1] != UInt8(ascii: "\n") { from -= 1 }
                var end = from
                while end < n, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                count = min(n, end + 1) - from
            }
            count = max(1, min(count, n - from))
            return Mutation(kind: .duplicate(from: from, count: count, to: rng.below(n + 1)))
        }
    }

    func apply(to bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        switch kind {
        case .flip(let at, let to): out[at] = to
        case .truncate(let at): out.removeSubrange(at...)
        case .duplicate(let from, let count, let to): out.insert(contentsOf: bytes[from..<(from + count)], at: to)
        }
        return out
    }

    /// The 1-based lines touched, in the original or in the mutant: from the first changed
    /// byte through the first unchanged byte after the change, because a changed line break
    /// joins or splits the next line (a comment swallowing the key below it touches both).
    func touchedLines(in bytes: [UInt8], mutated: Bool) -> ClosedRange<Int> {
        let first: Int, firstAfter: Int
        switch kind {
        case .flip(let at, _): (first, firstAfter) = (at, at + 1)
        case .truncate(let at): (first, firstAfter) = (at, mutated ? at : bytes.count)
        case .duplicate(_, let count, let to): (first, firstAfter) = (to, mutated ? to + count : to)
        }
        func line(_ offset: Int) -> Int {
            var line = 1
            for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") { line += 1 }
            return line
        }
        return line(first)...line(firstAfter)
    }

    var description: String {
        switch kind {
        case .flip(let at, let to): return "flip byte \(at) to 0x\(String(to, radix: 16))"
        case .truncate(let at): return "truncate at \(at)"
        case .duplicate(let from, let count, let to): return "duplicate \(count) bytes from \(from) at \(to)"
        }
    }
}

/// A small seeded generator (SplitMix64), so a failing case can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
