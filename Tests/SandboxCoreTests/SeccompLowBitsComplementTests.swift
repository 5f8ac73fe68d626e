import Testing
@testable import SandboxCore

struct SeccompLowBitsComplementTests {
    func matches(_ patterns: [LowBitsComplement.Pattern], _ x: UInt64) -> Int {
        patterns.filter { x & $0.mask == $0.value }.count
    }

    @Test func everyValueButTheExcludedMatchesExactlyOnce() {
        let patterns = LowBitsComplement.patterns(excluding: [0x5412, 0x541C])
        // Each pattern only looks at the low 32 bits.
        #expect(patterns.allSatisfy { $0.mask >> 32 == 0 && $0.value & ~$0.mask == 0 })
        for low in UInt64(0)...0xFFFF {
            for high: UInt64 in [0, 1 << 32, 0xFFFF_FFFF << 32] {
                let expected = (low == 0x5412 || low == 0x541C) ? 0 : 1
                #expect(matches(patterns, high | low) == expected, "value \(String(high | low, radix: 16))")
                if matches(patterns, high | low) != expected { return }
            }
        }
        for x: UInt64 in [0x1_0000_0000, 0x8000_0000, 0xFFFF_FFFF, 0x0001_5412, 0x5412_0000] {
            #expect(matches(patterns, x) == 1)
        }
    }

    @Test func theUpperHalfCannotSmuggleAnExcludedValue() {
        // CVE-2019-10063: ioctl(fd, (1 << 32) | TIOCSTI) is TIOCSTI to the kernel.
        let patterns = LowBitsComplement.patterns(excluding: [0x5412])
        #expect(matches(patterns, 0x1_0000_5412) == 0)
        #expect(matches(patterns, 0xDEAD_BEEF_0000_5412) == 0)
    }

    @Test func patternCountStaysSmall() {
        // One pattern per trie level for one value, plus the split below the common prefix.
        #expect(LowBitsComplement.patterns(excluding: [7]).count == 32)
        #expect(LowBitsComplement.patterns(excluding: [0x5412, 0x541C]).count == 34)
        #expect(LowBitsComplement.patterns(excluding: [38, 40]).count == 34)
    }

    @Test func allowRulesCompareTheNamedArgument() {
        let rules = LowBitsComplement.allowRules("socket", index: 0, excluding: [38])
        #expect(rules.allSatisfy { $0.syscall == "socket" && $0.action == .allow && $0.args.count == 1 && $0.args[0].index == 0 && $0.args[0].op == .maskedEqual })
    }
}
