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

    /// Booleans and numbers: one token up to a delimiter, then checked as a whole.
    mutating func scalar() throws(TOMLError) -> TOMLValue {
        let start = index
        while let c = current, Self.isBareKeyByte(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") {
            advance()
        }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        if token.isEmpty { throw error("expected a value, found \(found)") }
        if token == "true" { return .bool(true) }
        if token == "false" { return .bool(false) }
        let column = start - lineStart + 1
        func fail(_ message: String) -> TOMLError { TOMLError(line: line, column: column, message: message) }
        let u = Array(token.utf8)
        // 1979-05-27, 07:32:00: dates and times.
        if (u.count >= 5 && u[0...3].allSatisfy(Self.isDigit) && u[4] == UInt8(ascii: "-"))
            || (u.count >= 3 && u[0...1].allSatisfy(Self.isDigit) && u[2] == UInt8(ascii: ":")) {
            throw fail("dates and times are not used in profiles")
        }
        var body = Substring(token)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        if body == "inf" { return .float(negative ? -.infinity : .infinity) }
        if body == "nan" { return .float(.nan) }
        if body.hasPrefix("0x") || body.hasPrefix("0o") || body.hasPrefix("0b") {
            guard body.count == token.count else { throw fail("a sign is not allowed on hex, octal or binary integers") }
            let radix = body.hasPrefix("0x") ? 16 : body.hasPrefix("0o") ? 8 : 2
            let digits = body.dropFirst(2)
            guard digits.allSatisfy({ $0.isHexDigit || $0 == "_" }), Self.validUnderscores(digits), let n = Int64(digits.filter { $0 != "_" }, radix: radix) else {
                throw fail("invalid integer \"\(token)\"")
            }
            return .integer(n)
        }
        if body.first?.isNumber == true, body.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return .float(try float(String(body), negative: negative, token: token, fail: fail))
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }), Self.validUnderscores(body) else {
            throw fail("invalid value \"\(token)\" (strings need quotes)")
        }
        guard body == "0" || !body.hasPrefix("0") else { throw fail("leading zeros are not allowed in \"\(token)\"") }
        guard let n = Int64((negative ? "-" : "") + body.filter { $0 != "_" }) else {
            throw fail("integer \"\(token)\" does not fit in 64 bits")
        }
        return .integer(n)
    }

    func float(_ body: String, negative: Bool, token: String, fail: (String) -> TOMLError) throws(TOMLError) -> Double {
        // int-part [ "." digits ] [ ("e"|"E") [sign] digits ], each part digits with single underscores.
        var rest = Substring(body)
        let intPart = rest.prefix { $0.isASCII && ($0.isNumber || $0 == "_") }
        rest = rest.dropFirst(intPart.count)
        guard !intPart.isEmpty, Self.validUnderscores(intPart), intPart == "0" || !intPart.hasPrefix("0") else {
            throw fail("invalid float \"\(token)\"")
        }
        if rest.first == "." {
            rest = rest.dropFirst()
            let fraction = rest.prefix { $0.isASCII && ($0.isNumber || $0 == "_") }
            guard !fraction.isEmpty, Self.validUnderscores(fraction) else { throw fail("invalid float \"\(token)\"") }
            rest = rest.dropFirst(fraction.count)
        }
        if let e = rest.first, e == "e" || e == "E" {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == "+" || sign == "-" { rest = rest.dropFirst() }
            let exponent = rest.prefix { $0.isASCII && ($0.isNumber || $0 == "_") }
            guard !exponent.isEmpty, Self.validUnderscores(exponent) else { throw fail("invalid float \"\(token)\"") }
            rest = rest.dropFirst(exponent.count)
        }
        guard rest.isEmpty, let value = Double((negative ? "-" : "") + body.filter { $0 != "_" }) else {
            throw fail("invalid float \"\(token)\"")
        }
        return value
    }

    /// Each underscore stands between two digits.
    static func validUnderscores(_ s: Substring) -> Bool {
        let chars = Array(s)
        for (i, c) in chars.enumerated() where c == "_" {
            guard i > 0, i < chars.count - 1, chars[i - 1] != "_", chars[i + 1] != "_" else { return false }
        }
        return !chars.isEmpty
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}
