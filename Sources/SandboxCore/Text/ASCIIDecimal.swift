/// Unsigned decimal numbers read straight from bytes, for the parsers of machine-written text
/// on the start path (/proc/PID/stat, the canonical policy text): no Strings are made.
enum ASCIIDecimal {
    /// Digits only (no sign, no spaces, not empty), within UInt64; nil otherwise.
    static func parse<Digits: Collection>(_ digits: Digits) -> UInt64? where Digits.Element == UInt8 {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }
}
