/// Masked comparisons that match every value whose low 32 bits are NOT one of `excluded`.
///
/// Why: ioctl's request and socket's family are 32-bit in the kernel (`unsigned int cmd`,
/// `int family`) but seccomp sees the whole 64-bit register. `arg == TIOCSTI` or
/// `family < 38` can be dodged by setting the upper half (CVE-2019-10063 for TIOCSTI),
/// and libseccomp has neither a "masked not-equal" nor a way to mix an unconditional
/// allow with conditional denials. So the allowed set is written out as prefixes on the
/// low 32 bits: a binary trie over the excluded values, one pattern for each subtree that
/// holds none of them (about 32 patterns for two excluded values).
public enum LowBitsComplement {
    public struct Pattern: Equatable, Sendable {
        public var mask: UInt64
        public var value: UInt64
    }

    public static func patterns(excluding excluded: Set<UInt32>) -> [Pattern] {
        var result: [Pattern] = []
        walk(mask: 0, value: 0, bit: 31, values: Array(excluded).sorted(), into: &result)
        return result
    }

    private static func walk(mask: UInt32, value: UInt32, bit: Int, values: [UInt32], into result: inout [Pattern]) {
        if values.isEmpty {
            result.append(Pattern(mask: UInt64(mask), value: UInt64(value)))
            return
        }
        guard bit >= 0 else { return }  // exactly an excluded value
        let b = UInt32(1) << UInt32(bit)
        walk(mask: mask | b, value: value, bit: bit - 1, values: values.filter { $0 & b == 0 }, into: &result)
        walk(mask: mask | b, value: value | b, bit: bit - 1, values: values.filter { $0 & b != 0 }, into: &result)
    }

    /// Allow rules for `syscall` on every value of argument `index` but the excluded ones.
    public static func allowRules(_ syscall: String, index: UInt32, excluding excluded: Set<UInt32>) -> [SeccompRule] {
        patterns(excluding: excluded).map {
            SeccompRule(syscall: syscall, action: .allow,
                        args: [SeccompArgument(index: index, op: .maskedEqual, value: $0.mask, valueTwo: $0.value)])
        }
    }
}
