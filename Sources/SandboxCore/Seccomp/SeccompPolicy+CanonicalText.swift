/// Reading `canonicalText` back. The built-in policies ship in that form
/// (`BuiltinSeccompPolicyTexts`), precomputed: folding the guards into `strict` and
/// normalising it took ~0.8 ms of every `sandbox run`. The text is read in one pass over its
/// bytes, making a String only for each syscall name (splitting it into substrings first
/// took another 0.25 ms of every run).
extension SeccompPolicy {
    /// nil for text `canonicalText` would not have written.
    public init?(canonicalText text: String) {
        var text = text
        guard let policy = text.withUTF8({ bytes in
            var reader = CanonicalTextReader(bytes: bytes)
            return reader.policy()
        }) else { return nil }
        self = policy
    }
}

/// A cursor over canonical text: lines of words separated by one space.
private struct CanonicalTextReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    static let space = UInt8(ascii: " "), newline = UInt8(ascii: "\n"), colon = UInt8(ascii: ":")

    mutating func policy() -> SeccompPolicy? {
        guard let defaultWord = word(), let defaultAction = action(defaultWord, after: "default="),
              let badArchWord = word(), let badArchAction = action(badArchWord, after: "badarch="),
              endOfLine() else { return nil }
        var rules: [SeccompRule] = []
        rules.reserveCapacity(400)
        while skipBlankLines() {
            guard let name = word(), let actionWord = word(), let action = action(actionWord, after: "") else { return nil }
            var args: [SeccompArgument] = []
            while let argWord = word() {
                guard let arg = argument(argWord) else { return nil }
                args.append(arg)
            }
            guard endOfLine() else { return nil }
            rules.append(SeccompRule(syscall: String(decoding: name, as: UTF8.self), action: action, args: args))
        }
        return SeccompPolicy(defaultAction: defaultAction, rules: rules, badArchAction: badArchAction)
    }

    /// The next word of the current line (nil at its end), and the space after it.
    mutating func word() -> UnsafeBufferPointer<UInt8>? {
        let start = at
        while at < bytes.count, bytes[at] != Self.space, bytes[at] != Self.newline { at += 1 }
        guard at > start else { return nil }
        let found = UnsafeBufferPointer(rebasing: bytes[start..<at])
        if at < bytes.count, bytes[at] == Self.space { at += 1 }
        return found
    }

    /// True at a line's end (the newline is consumed) or the text's.
    mutating func endOfLine() -> Bool {
        if at == bytes.count { return true }
        guard bytes[at] == Self.newline else { return false }
        at += 1
        return true
    }

    /// Skips empty lines; true when a line follows.
    mutating func skipBlankLines() -> Bool {
        while at < bytes.count, bytes[at] == Self.newline { at += 1 }
        return at < bytes.count
    }

    /// The word after `prefix`, read by SeccompAction(parsing:) (a short word: a String of it
    /// is stored inline, allocates nothing).
    func action(_ word: UnsafeBufferPointer<UInt8>, after prefix: StaticString) -> SeccompAction? {
        let p = prefix.utf8Start, n = prefix.utf8CodeUnitCount
        guard word.count >= n, (0..<n).allSatisfy({ word[$0] == p[$0] }) else { return nil }
        return try? SeccompAction(parsing: String(decoding: UnsafeBufferPointer(rebasing: word[n...]), as: UTF8.self))
    }

    /// "index:op:value:valueTwo".
    func argument(_ word: UnsafeBufferPointer<UInt8>) -> SeccompArgument? {
        var parts: [UnsafeBufferPointer<UInt8>] = []
        var start = 0
        for i in 0...word.count where i == word.count || word[i] == Self.colon {
            parts.append(UnsafeBufferPointer(rebasing: word[start..<i]))
            start = i + 1
        }
        guard parts.count == 4, let index = ASCIIDecimal.parse(parts[0]), index <= UInt64(UInt32.max),
              let op = SeccompArgument.Op(rawValue: String(decoding: parts[1], as: UTF8.self)),
              let value = ASCIIDecimal.parse(parts[2]), let valueTwo = ASCIIDecimal.parse(parts[3]) else { return nil }
        return SeccompArgument(index: UInt32(index), op: op, value: value, valueTwo: valueTwo)
    }
}
