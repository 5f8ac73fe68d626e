/// Sizes and durations as profiles and flags write them. Strict on purpose: a reviewer must
/// be able to read a value once and know what it means, so there are no decimal fractions and
/// no decimal (1000-based) units that could be confused with binary ones.
public enum ProfileUnits {
    /// K, M, G, T and KiB, MiB, GiB, TiB are powers of 1024 (as Docker and systemd read
    /// "2G"); B or no unit is bytes.
    static let sizeUnits: [(String, UInt64)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
        ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1),
    ]
    static let durationUnits: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]

    /// Parses "512MiB", "2G", "4096" or "4096B" into bytes. Returns a reason on failure.
    public static func parseSize(_ text: String) -> Result<UInt64, UnitError> {
        let (digits, unit) = split(text)
        guard !digits.isEmpty, digits.utf8.count <= 20, let number = UInt64(digits) else {
            return .failure(UnitError("bad size \"\(text)\": write an integer with an optional unit (B, K, KiB, M, MiB, G, GiB, T, TiB), e.g. \"512MiB\""))
        }
        if unit.isEmpty { return .success(number) }
        guard let multiplier = sizeUnits.first(where: { $0.0 == unit })?.1 else {
            if ["KB", "MB", "GB", "TB", "kB"].contains(unit) {
                let binary = String(unit.uppercased().dropLast()) + "iB"
                return .failure(UnitError("bad size \"\(text)\": unit \"\(unit)\" is ambiguous; write \"\(digits)\(binary)\" (powers of 1024) or plain bytes"))
            }
            return .failure(UnitError("bad size \"\(text)\": unknown unit \"\(unit)\" (use B, K, KiB, M, MiB, G, GiB, T, TiB)"))
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return .failure(UnitError("size \"\(text)\" is too large")) }
        return .success(product)
    }

    /// Parses "90s", "10m", "1h" or "500ms" into seconds. A unit is required: a bare
    /// number could mean seconds or milliseconds.
    public static func parseDuration(_ text: String) -> Result<Double, UnitError> {
        let (digits, unit) = split(text)
        guard !digits.isEmpty, digits.utf8.count <= 12, let number = UInt64(digits) else {
            return .failure(UnitError("bad duration \"\(text)\": write an integer with a unit (ms, s, m, h), e.g. \"90s\""))
        }
        guard !unit.isEmpty else {
            return .failure(UnitError("duration \"\(text)\" needs a unit (ms, s, m, h), e.g. \"\(digits)s\""))
        }
        guard let multiplier = durationUnits.first(where: { $0.0 == unit })?.1 else {
            return .failure(UnitError("bad duration \"\(text)\": unknown unit \"\(unit)\" (use ms, s, m, h)"))
        }
        // Divide for milliseconds: 500 / 1000 is exactly 0.5, 500 * 0.001 is not.
        return .success(unit == "ms" ? Double(number) / 1000 : Double(number) * multiplier)
    }

    /// The largest unit that divides the size exactly: 536870912 -> "512MiB".
    public static func formatSize(_ bytes: UInt64) -> String {
        for (unit, multiplier) in sizeUnits where unit.count == 3 && bytes >= multiplier && bytes % multiplier == 0 {
            return "\(bytes / multiplier)\(unit)"
        }
        return "\(bytes)B"
    }

    /// Whole hours, minutes or seconds when exact, else milliseconds: 5400 -> "90m".
    public static func formatDuration(_ seconds: Double) -> String {
        let ms = (seconds * 1000).rounded()
        guard ms.isFinite, ms >= 0, ms < 1e15 else { return "\(seconds)s" }
        let millis = UInt64(ms)
        for (unit, factor) in [("h", UInt64(3_600_000)), ("m", 60_000), ("s", 1000)] where millis >= factor && millis % factor == 0 {
            return "\(millis / factor)\(unit)"
        }
        return "\(millis)ms"
    }

    /// "512MiB" -> ("512", "MiB"): the leading ASCII digits and the rest.
    static func split(_ text: String) -> (String, String) {
        let bytes = Array(text.utf8)
        let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
        return (String(decoding: bytes[..<count], as: UTF8.self), String(decoding: bytes[count...], as: UTF8.self))
    }
}

public struct UnitError: Error, Equatable, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
