/// A small strict JSON reader for policy files: keeps each value's line for error
/// messages, keeps 64-bit integers exact (a seccomp mask is a full UInt64), refuses
/// duplicate keys (which would let one copy of "args" silently hide another), and needs no
/// Foundation (the core stays pure and starts fast).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's text, as written; read it with `JSONNode.unsigned`/`signed`.
    case number(String)
    case string(String)
    case array([JSONNode])
    case object([(key: String, node: JSONNode)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.map(\.key) == y.map(\.key) && x.map(\.node) == y.map(\.node)
        default: false
        }
    }

    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

public struct JSONNode: Equatable, Sendable {
    public var value: JSONValue
    public var line: Int
}

public struct JSONSyntaxError: Error, Equatable {
    public var line: Int
    public var message: String
}

public enum JSONTree {
    static let maxDepth = 64

    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        let node = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.at == bytes.count else { throw reader.error("unexpected text after the JSON value") }
        return node
    }

    struct Reader {
        let bytes: [UInt8]
        var at = 0
        var line = 1

        func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(line: line, message: message) }

        var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func skipSpace() {
            while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
                if c == 0x0A { line += 1 }
                at += 1
            }
        }

        mutating func expect(_ word: String) throws(JSONSyntaxError) {
            for c in word.utf8 {
                guard peek == c else { throw error("expected \(word)") }
                at += 1
            }
        }

        mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONNode {
            guard depth < JSONTree.maxDepth else { throw error("nested deeper than \(JSONTree.maxDepth) levels") }
            let startLine = line
            guard let c = peek else { throw error("unexpected end of input") }
            switch c {
            case UInt8(ascii: "{"): return JSONNode(value: try object(depth: depth), line: startLine)
            case UInt8(ascii: "["): return JSONNode(value: try array(depth: depth), line: startLine)
            case UInt8(ascii: "\""): return JSONNode(value: .string(try string()), line: startLine)
            case UInt8(ascii: "t"): try expect("true"); return JSONNode(value: .bool(true), line: startLine)
            case UInt8(ascii: "f"): try expect("false"); return JSONNode(value: .bool(false), line: startLine)
            case UInt8(ascii: "n"): try expect("null"); return JSONNode(value: .null, line: startLine)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return JSONNode(value: .number(try number()), line: startLine)
            default: throw error("unexpected character '\(Character(Unicode.Scalar(c)))'")
            }
        }

        mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            at += 1
            var members: [(key: String, node: JSONNode)] = []
            skipSpace()
            if peek == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipSpace()
                guard peek != nil else { throw error("unexpected end of input") }
                guard peek == UInt8(ascii: "\"") else { throw error("expected a key in quotes") }
                let key = try string()
                if members.contains(where: { $0.key == key }) { throw error("key \"\(key)\" appears twice") }
                skipSpace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':' after \"\(key)\"") }
                at += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                switch peek {
                case UInt8(ascii: ","): at += 1
                case UInt8(ascii: "}"): at += 1; return .object(members)
                default: throw error("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
            at += 1
            var items: [JSONNode] = []
            skipSpace()
            if peek == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                switch peek {
                case UInt8(ascii: ","): at += 1
                case UInt8(ascii: "]"): at += 1; return .array(items)
                default: throw error("expected ',' or ']'")
                }
            }
        }

        mutating func number() throws(JSONSyntaxError) -> String {
            let start = at
            let numberBytes = Set("+-0123456789.eE".utf8)
            while let c = peek, numberBytes.contains(c) { at += 1 }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        mutating func string() throws(JSONSyntaxError) -> String {
            at += 1
            var out: [UInt8] = []
            while true {
                guard let c = peek else { throw error("unterminated string") }
                at += 1
                switch c {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    guard let e = peek else { throw error("unterminated string") }
                    at += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        // Names in a policy are ASCII; a \u escape for anything else is refused
                        // rather than decoded half-way (surrogate pairs).
                        guard at + 4 <= bytes.count,
                              let code = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16),
                              code < 0x80 else { throw error("\\u escapes are accepted for ASCII only") }
                        out.append(UInt8(code))
                        at += 4
                    default: throw error("invalid escape in string")
                    }
                case 0x00...0x1F: throw error("control character in string")
                default: out.append(c)
                }
            }
        }
    }
}

extension JSONNode {
    /// The number as an exact unsigned integer (decimal, no fraction or exponent).
    public var unsigned: UInt64? {
        guard case .number(let text) = value else { return nil }
        return UInt64(text)
    }

    public var signed: Int64? {
        guard case .number(let text) = value else { return nil }
        return Int64(text)
    }
}
