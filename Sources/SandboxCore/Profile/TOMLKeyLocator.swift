/// Finds the line of every key (and array element) in a TOML text. TOMLKit reports a
/// position only for syntax errors, so semantic errors ("limits.memory: bad size") get their
/// line from here. It also finds what TOMLKit cannot show: `\u0000` escapes, which its C
/// strings silently cut short, and the first line of a key written twice.
///
/// It reads only the key structure (headers, keys, strings, brackets), runs after TOMLKit
/// has accepted the text (except to explain a duplicate), and must never trap or loop on any
/// input: every step advances or stops, and nesting is capped.
struct TOMLKeyLocator {
    /// "limits.memory" -> 12; array elements are numbered: "filesystem.read_only.0".
    private(set) var lines: [String: Int] = [:]
    /// Lines holding a string with an escaped NUL character.
    private(set) var nulEscapeLines: [Int] = []
    /// Keys (or `[tables]`) defined twice: (key, first line, second line, is a table header).
    private(set) var duplicates: [(key: String, first: Int, second: Int, isTable: Bool)] = []

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var table: [String] = []
    private var arrayTables: [String: Int] = [:]
    private var assigned: Set<String> = []
    private static let maxDepth = 64

    static func locate(_ bytes: [UInt8]) -> TOMLKeyLocator {
        var locator = TOMLKeyLocator(bytes: bytes)
        locator.document()
        return locator
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private mutating func advance() {
        if current == UInt8(ascii: "\n") { line += 1 }
        index += 1
    }

    private mutating func document() {
        while index < bytes.count {
            let start = index
            skipTrivia(newlines: true)
            guard let c = current else { return }
            if c == UInt8(ascii: "[") {
                header()
            } else {
                keyValue(prefix: table, depth: 0)
            }
            skipToLineEnd()
            if index == start { advance() }
        }
    }

    private mutating func header() {
        let headerLine = line
        advance()
        let isArray = current == UInt8(ascii: "[")
        if isArray { advance() }
        let key = dottedKey()
        var path = key
        let joined = key.joined(separator: ".")
        if isArray {
            let next = arrayTables[joined, default: -1] + 1
            arrayTables[joined] = next
            path.append(String(next))
            if lines[joined] == nil { lines[joined] = headerLine }
        }
        let name = path.joined(separator: ".")
        if !isArray, assigned.contains(name), let first = lines[name] {
            duplicates.append((name, first, headerLine, true))
        }
        assigned.insert(name)
        if lines[name] == nil { lines[name] = headerLine }
        table = path
    }

    private mutating func keyValue(prefix: [String], depth: Int) {
        let keyLine = line
        let key = dottedKey()
        guard !key.isEmpty else { return }
        let path = prefix + key
        let name = path.joined(separator: ".")
        if assigned.contains(name), let first = lines[name] {
            duplicates.append((name, first, keyLine, false))
        } else {
            lines[name] = keyLine
        }
        assigned.insert(name)
        skipSpaces()
        guard current == UInt8(ascii: "=") else { return }
        advance()
        skipSpaces()
        value(path: path, depth: depth)
    }

    private mutating func value(path: [String], depth: Int) {
        guard depth < Self.maxDepth, let c = current else { return }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            _ = string()
        case UInt8(ascii: "["):
            advance()
            var element = 0
            while index < bytes.count {
                skipTrivia(newlines: true)
                guard let d = current, d != UInt8(ascii: "]") else { break }
                let name = (path + [String(element)]).joined(separator: ".")
                if lines[name] == nil { lines[name] = line }
                let before = index
                value(path: path + [String(element)], depth: depth + 1)
                skipTrivia(newlines: true)
                if current == UInt8(ascii: ",") { advance(); element += 1 } else if index == before { break }
            }
            if current == UInt8(ascii: "]") { advance() }
        case UInt8(ascii: "{"):
            advance()
            while index < bytes.count {
                skipTrivia(newlines: false)
                guard let d = current, d != UInt8(ascii: "}"), d != UInt8(ascii: "\n") else { break }
                let before = index
                keyValue(prefix: path, depth: depth + 1)
                skipTrivia(newlines: false)
                if current == UInt8(ascii: ",") { advance() } else if index == before { break }
            }
            if current == UInt8(ascii: "}") { advance() }
        default:
            // Numbers, booleans, dates: up to the next delimiter.
            while let d = current, ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "\n"), UInt8(ascii: "#")].contains(d) {
                advance()
            }
        }
    }

    /// A dotted key: bare or quoted parts joined by dots.
    private mutating func dottedKey() -> [String] {
        var parts: [String] = []
        while index < bytes.count {
            skipSpaces()
            guard let c = current else { break }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                parts.append(string())
            } else {
                let start = index
                while let d = current, isBareKeyByte(d) { advance() }
                if index == start { break }
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { break }
            advance()
        }
        skipSpaces()
        while current == UInt8(ascii: "]") { advance() }
        return parts
    }

    /// Reads a string of any of the four kinds and returns its (decoded) text.
    private mutating func string() -> String {
        guard let quote = current else { return "" }
        let literal = quote == UInt8(ascii: "'")
        let multiline = peek(1) == quote && peek(2) == quote
        index += multiline ? 3 : 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        while let c = current {
            if multiline, c == quote, peek(1) == quote, peek(2) == quote {
                index += 3
                // Up to two more quotes belong to the content ("""a""""" is legal TOML).
                while current == quote { index += 1 }
                break
            }
            if !multiline, c == quote { advance(); break }
            if !multiline, c == UInt8(ascii: "\n") { break }
            if !literal, c == UInt8(ascii: "\\") {
                flush(&raw, into: &scalars)
                advance()
                escape(into: &scalars)
                continue
            }
            raw.append(c)
            advance()
        }
        flush(&raw, into: &scalars)
        return String(scalars)
    }

    private mutating func escape(into scalars: inout String.UnicodeScalarView) {
        guard let c = current else { return }
        let simple: [UInt8: Unicode.Scalar] = [
            UInt8(ascii: "n"): "\n", UInt8(ascii: "t"): "\t", UInt8(ascii: "r"): "\r", UInt8(ascii: "b"): "\u{8}",
            UInt8(ascii: "f"): "\u{C}", UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\",
        ]
        if let scalar = simple[c] {
            scalars.append(scalar)
            advance()
            return
        }
        guard c == UInt8(ascii: "u") || c == UInt8(ascii: "U") else { return }
        let count = c == UInt8(ascii: "u") ? 4 : 8
        advance()
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let h = current, let digit = hexValue(h) else { return }
            value = value &* 16 &+ digit
            advance()
        }
        if value == 0 { nulEscapeLines.append(line) }
        if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
    }

    private func flush(_ raw: inout [UInt8], into scalars: inout String.UnicodeScalarView) {
        guard !raw.isEmpty else { return }
        scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
        raw.removeAll(keepingCapacity: true)
    }

    private func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    private mutating func skipSpaces() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { advance() }
    }

    /// Spaces, comments and (optionally) line breaks.
    private mutating func skipTrivia(newlines: Bool) {
        while let c = current {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == 0xEF || c == 0xBB || c == 0xBF {
                advance()
            } else if newlines, c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
                advance()
            } else if c == UInt8(ascii: "#") {
                while let d = current, d != UInt8(ascii: "\n") { advance() }
            } else {
                return
            }
        }
    }

    private mutating func skipToLineEnd() {
        skipTrivia(newlines: false)
        while let c = current, c != UInt8(ascii: "\n") { advance() }
    }
}
