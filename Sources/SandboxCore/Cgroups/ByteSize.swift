/// Sizes as people write them: "2GiB", "512M", "65536". Suffixes are binary (K = KiB = 1024),
/// as docker's `--memory` and systemd's `MemoryMax=` read them; no suffix means bytes.
public enum ByteSize {
    static let units: [(String, UInt64)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
        ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40), ("b", 1),
    ]

    public static func parse(_ text: String) -> UInt64? {
        let lower = text.lowercased()
        var digits = Substring(lower)
        var multiplier: UInt64 = 1
        for (suffix, value) in units where lower.hasSuffix(suffix) {
            digits = lower.dropLast(suffix.count)
            multiplier = value
            break
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt64(digits) else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : bytes
    }
}
