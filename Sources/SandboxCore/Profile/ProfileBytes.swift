/// Checks on the raw bytes before any TOML parsing, so that the parser and every later
/// consumer see bounded, NUL-free, valid UTF-8 (a NUL would end a C string early, silently).
enum ProfileBytes {
    /// Profiles are short, reviewed files; anything larger is a mistake or an attack on the
    /// parser.
    static let maxBytes = 256 * 1024

    /// The problem that keeps the bytes from being parsed, if any.
    static func problem(_ bytes: [UInt8], origin: String) -> ProfileProblem? {
        if bytes.count > maxBytes {
            return ProfileProblem(origin: origin, line: nil, message: "file is \(bytes.count) bytes; a profile may be at most \(maxBytes) bytes")
        }
        if let nul = bytes.firstIndex(of: 0) {
            let (line, column) = position(of: nul, in: bytes)
            return ProfileProblem(origin: origin, line: line, message: "NUL byte at column \(column)")
        }
        if let bad = firstInvalidUTF8(bytes) {
            let (line, column) = position(of: bad, in: bytes)
            let hex = String(bytes[bad], radix: 16, uppercase: true)
            return ProfileProblem(origin: origin, line: line, message: "invalid UTF-8 (byte 0x\(hex.count == 1 ? "0" : "")\(hex)) at column \(column)")
        }
        return nil
    }

    /// 1-based line and byte column of an offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        var line = 1, lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    /// Offset of the first byte that does not start a well-formed UTF-8 sequence (no
    /// overlong forms, no surrogates, nothing above U+10FFFF), per RFC 3629.
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let need: Int, low: UInt8, high: UInt8
            switch c {
            case 0xC2...0xDF: need = 1; low = 0x80; high = 0xBF
            case 0xE0: need = 2; low = 0xA0; high = 0xBF
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2; low = 0x80; high = 0xBF
            case 0xED: need = 2; low = 0x80; high = 0x9F
            case 0xF0: need = 3; low = 0x90; high = 0xBF
            case 0xF1...0xF3: need = 3; low = 0x80; high = 0xBF
            case 0xF4: need = 3; low = 0x80; high = 0x8F
            default: return i
            }
            guard i + need < b.count else { return i }
            if b[i + 1] < low || b[i + 1] > high { return i }
            for k in 2...max(2, need) where k <= need {
                if b[i + k] < 0x80 || b[i + k] > 0xBF { return i }
            }
            i += need + 1
        }
        return nil
    }
}
