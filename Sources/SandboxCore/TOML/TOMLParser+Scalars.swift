/// Strings, numbers and booleans (TOML 1.0 §String, §Integer, §Float, §Boolean).
extension TOMLParser {
    mutating func basicString() throws(TOMLError) -> String {
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = current, c != UInt8(ascii: "\n") else { throw error("unterminated string") }
            if c == UInt8(ascii: "\"") { advance(); break }
            if c == UInt8(ascii: "\\") {
                try escape(into: &out)
                continue
            }
            if Self.isControl(c) { throw error("control character in a string (write it as an escape)") }
            out.append(c)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func multilineBasicString() throws(TOMLError) -> String {
        advance(); advance(); advance()
        _ = try newline()
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated multi-line string") }
            if c == UInt8(ascii: "\""), peek(1) == c, peek(2) == c {
                try closeMultiline(quote: c, into: &out)
                break
            }
            if c == UInt8(ascii: "\\") {
                // A line-ending backslash trims the line break and the blanks after it.
                var look = 1
                while peek(look) == UInt8(ascii: " ") || peek(look) == UInt8(ascii: "\t") { look += 1 }
                if peek(look) == UInt8(ascii: "\n") || (peek(look) == UInt8(ascii: "\r") && peek(look + 1) == UInt8(ascii: "\n")) {
                    for _ in 0..<look { advance() }
                    while true {
                        skipSpaces()
                        if try !newline() { break }
                    }
                    continue
                }
                try escape(into: &out)
                continue
            }
            if try newline() { out.append(UInt8(ascii: "\n")); continue }
            if Self.isControl(c) { throw error("control character in a string (write it as an escape)") }
            out.append(c)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func literalString() throws(TOMLError) -> String {
        advance()
        let start = index
        while true {
            guard let c = current, c != UInt8(ascii: "\n") else { throw error("unterminated string") }
            if c == UInt8(ascii: "'") { break }
            if Self.isControl(c) { throw error("control character in a literal string") }
            advance()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        advance()
        return text
    }

    mutating func multilineLiteralString() throws(TOMLError) -> String {
        advance(); advance(); advance()
        _ = try newline()
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw error("unterminated multi-line string") }
            if c == UInt8(ascii: "'"), peek(1) == c, peek(2) == c {
                try closeMultiline(quote: c, into: &out)
                break
            }
            if try newline() { out.append(UInt8(ascii: "\n")); continue }
            if Self.isControl(c) { throw error("control character in a literal string") }
            out.append(c)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// At three quotes: up to two more quotes belong to the content (`"""a"""""`).
    mutating func closeMultiline(quote: UInt8, into out: inout [UInt8]) throws(TOMLError) {
        var count = 0
        while current == quote { count += 1; advance() }
        guard count <= 5 else { throw error("too many quotes closing a multi-line string") }
        out += [UInt8](repeating: quote, count: count - 3)
    }

    mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        advance()
        guard let c = current else { throw error("unterminated string") }
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "r"): 0x0D, UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C,
        ]
        if let byte = simple[c] {
            out.append(byte)
            advance()
            return
        }
        guard c == UInt8(ascii: "u") || c == UInt8(ascii: "U") else { throw error("invalid escape sequence '\\\(Character(Unicode.Scalar(c)))'") }
        let digits = c == UInt8(ascii: "u") ? 4 : 8
        advance()
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let h = current, let d = Self.hexDigit(h) else { throw error("\\\(digits == 4 ? "u" : "U") needs \(digits) hex digits") }
            value = value &* 16 &+ d
            advance()
        }
        // A NUL would end the string early for every C consumer of the value (execve, mount).
        guard value != 0 else { throw error("a string holds an escaped NUL character (\\u0000)") }
        guard let scalar = Unicode.Scalar(value) else { throw error("escape is not a Unicode scalar value") }
        out += Array(String(Character(scalar)).utf8)
    }

    static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Booleans and numbers: one token up to a delimiter, then checked as a whole. Byte
    /// based on purpose: Character properties cost a cold start hundreds of microseconds.
    mutating func scalar() throws(TOMLError) -> TOMLValue {
        let start = index
        while let c = current, Self.isBareKeyByte(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") {
            advance()
        }
        let u = bytes[start..<index]
        if u.isEmpty { throw error("expected a value, found \(found)") }
        if u.elementsEqual("true".utf8) { return .bool(true) }
        if u.elementsEqual("false".utf8) { return .bool(false) }
        let token = String(decoding: u, as: UTF8.self)
        let column = start - lineStart + 1
        func fail(_ message: String) -> TOMLError { TOMLError(line: line, column: column, message: message) }
        let b = Array(u)
        // 1979-05-27, 07:32:00: dates and times.
        if (b.count >= 5 && b[0...3].allSatisfy(Self.isDigit) && b[4] == UInt8(ascii: "-"))
            || (b.count >= 3 && b[0...1].allSatisfy(Self.isDigit) && b[2] == UInt8(ascii: ":")) {
            throw fail("dates and times are not used in profiles")
        }
        var body = b[...]
        var negative = false
        if let sign = body.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            body = body.dropFirst()
        }
        if body.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
        if body.elementsEqual("nan".utf8) { return .float(.nan) }
        if body.count > 2, body[body.startIndex] == UInt8(ascii: "0"),
           let radix = [UInt8(ascii: "x"): 16, UInt8(ascii: "o"): 8, UInt8(ascii: "b"): 2][body[body.startIndex + 1]] {
            guard body.count == b.count else { throw fail("a sign is not allowed on hex, octal or binary integers") }
            guard let n = Self.integer(body.dropFirst(2), radix: radix, negative: false) else { throw fail("invalid integer \"\(token)\"") }
            return .integer(n)
        }
        if let first = body.first, Self.isDigit(first),
           body.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard Self.isFloat(body), let value = Double(String(decoding: b.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)) else {
                throw fail("invalid float \"\(token)\"")
            }
            return .float(value)
        }
        guard !body.isEmpty, body.allSatisfy({ Self.isDigit($0) || $0 == UInt8(ascii: "_") }), Self.validUnderscores(body) else {
            throw fail("invalid value \"\(token)\" (strings need quotes)")
        }
        guard body.count == 1 || body.first != UInt8(ascii: "0") else { throw fail("leading zeros are not allowed in \"\(token)\"") }
        guard let n = Self.integer(body, radix: 10, negative: negative) else {
            throw fail("integer \"\(token)\" does not fit in 64 bits")
        }
        return .integer(n)
    }

    /// Digits (with single underscores between them) in `radix`, or nil when invalid or
    /// outside Int64.
    static func integer(_ digits: ArraySlice<UInt8>, radix: Int, negative: Bool) -> Int64? {
        guard validUnderscores(digits) else { return nil }
        var magnitude: UInt64 = 0
        for c in digits where c != UInt8(ascii: "_") {
            guard let d = hexDigit(c), d < radix else { return nil }
            let (times, o1) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
            let (plus, o2) = times.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { return nil }
            magnitude = plus
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// int-part [ "." digits ] [ ("e"|"E") [sign] digits ], each part digits with single
    /// underscores, no leading zero in the int part.
    static func isFloat(_ body: ArraySlice<UInt8>) -> Bool {
        var rest = body
        func digits() -> ArraySlice<UInt8>? {
            let run = rest.prefix { isDigit($0) || $0 == UInt8(ascii: "_") }
            rest = rest.dropFirst(run.count)
            return run.isEmpty || !validUnderscores(run) ? nil : run
        }
        guard let intPart = digits(), intPart.count == 1 || intPart.first != UInt8(ascii: "0") else { return false }
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            guard digits() != nil else { return false }
        }
        if let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
            guard digits() != nil else { return false }
        }
        return rest.isEmpty
    }

    /// Each underscore stands between two non-underscores.
    static func validUnderscores(_ s: ArraySlice<UInt8>) -> Bool {
        guard let first = s.first, let last = s.last, first != UInt8(ascii: "_"), last != UInt8(ascii: "_") else { return false }
        var previous: UInt8 = 0
        for c in s {
            if c == UInt8(ascii: "_"), previous == UInt8(ascii: "_") { return false }
            previous = c
        }
        return true
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
