/// Reading `canonicalText` back. The built-in policies ship in that form
/// (`BuiltinSeccompPolicyTexts`), precomputed: folding the guards into `strict` and
/// normalising it took ~0.8 ms of every `sandbox run`; reading the text back takes a tenth.
extension SeccompPolicy {
    /// nil for text `canonicalText` would not have written.
    public init?(canonicalText text: String) {
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst() else { return nil }
        let fields = header.split(separator: UInt8(ascii: " "))
        guard fields.count == 2,
              let defaultAction = Self.action(fields[0], after: "default="),
              let badArchAction = Self.action(fields[1], after: "badarch=") else { return nil }
        var rules: [SeccompRule] = []
        rules.reserveCapacity(lines.count)
        for line in lines {
            let words = line.split(separator: UInt8(ascii: " "))
            guard words.count >= 2, let action = Self.action(words[1], after: "") else { return nil }
            var args: [SeccompArgument] = []
            for word in words.dropFirst(2) {
                guard let arg = Self.argument(word) else { return nil }
                args.append(arg)
            }
            rules.append(SeccompRule(syscall: String(decoding: words[0], as: UTF8.self), action: action, args: args))
        }
        self.init(defaultAction: defaultAction, rules: rules, badArchAction: badArchAction)
    }

    private static func action(_ word: Substring.UTF8View.SubSequence, after prefix: String) -> SeccompAction? {
        let text = String(decoding: word, as: UTF8.self)
        guard text.hasPrefix(prefix) else { return nil }
        return try? SeccompAction(parsing: String(text.dropFirst(prefix.count)))
    }

    /// "index:op:value:valueTwo".
    private static func argument(_ word: Substring.UTF8View.SubSequence) -> SeccompArgument? {
        let parts = word.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 4,
              let index = UInt32(String(decoding: parts[0], as: UTF8.self)),
              let op = SeccompArgument.Op(rawValue: String(decoding: parts[1], as: UTF8.self)),
              let value = UInt64(String(decoding: parts[2], as: UTF8.self)),
              let valueTwo = UInt64(String(decoding: parts[3], as: UTF8.self)) else { return nil }
        return SeccompArgument(index: index, op: op, value: value, valueTwo: valueTwo)
    }
}
