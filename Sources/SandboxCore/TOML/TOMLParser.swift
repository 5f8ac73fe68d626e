/// A strict TOML 1.0 parser for profiles, in Swift with no dependencies. Written here
/// because TOMLKit 0.6.0's bundled toml++ aborts the process (an `assert` on a parser
/// precondition, active in release builds too) on malformed input such as
/// `a = ["x", }` — found by ProfileMutationTests — and cuts strings at an escaped NUL.
///
/// Differences from full TOML, all refusals: dates and times (no profile key takes one),
/// escaped NUL characters in strings, nesting deeper than 32, and dotted keys that add to
/// a table made implicitly by a longer header. Every refusal is a `TOMLError` with line and
/// column; nothing traps. Besides the document, the parser returns the line of every key,
/// header and array element ("limits.memory", "filesystem.read_only.2").
public struct TOMLParser {
    public struct Document: Sendable {
        public var root: TOMLTable
        public var lines: [String: Int]
    }

    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lineStart = 0
    var lines: [String: Int] = [:]
    var depth = 0
    static let maxDepth = 32

    public static func parse(_ bytes: [UInt8]) -> Result<Document, TOMLError> {
        var parser = TOMLParser(bytes: bytes)
        do {
            let root = try parser.document()
            return .success(Document(root: root, lines: parser.lines))
        } catch {
            return .failure(error)
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: cursor

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }
    func peek(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    mutating func advance() {
        if index < bytes.count, bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    func error(_ message: String) -> TOMLError {
        TOMLError(line: line, column: index - lineStart + 1, message: message)
    }

    /// How an error names the byte under the cursor.
    var found: String {
        guard let c = current else { return "end of file" }
        switch c {
        case UInt8(ascii: "\n"): return "end of line"
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(c)))'"
        default: return "byte 0x\(String(c, radix: 16, uppercase: true))"
        }
    }

    mutating func skipSpaces() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { advance() }
    }

    /// A comment runs to the end of the line; TOML allows no control characters but tab in it.
    mutating func skipComment() throws(TOMLError) {
        guard current == UInt8(ascii: "#") else { return }
        while let c = current, c != UInt8(ascii: "\n") {
            if c == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { break }
            if Self.isControl(c) { throw error("control character in a comment") }
            advance()
        }
    }

    /// Consumes one line break (LF or CRLF); false when there is none here.
    mutating func newline() throws(TOMLError) -> Bool {
        if current == UInt8(ascii: "\n") { advance(); return true }
        if current == UInt8(ascii: "\r") {
            guard peek(1) == UInt8(ascii: "\n") else { throw error("carriage return without a line feed") }
            advance(); advance()
            return true
        }
        return false
    }

    /// Spaces, comments and line breaks (inside arrays).
    mutating func skipBlank() throws(TOMLError) {
        while true {
            skipSpaces()
            try skipComment()
            if try !newline() { return }
        }
    }

    /// "a.b.c". Not `joined(separator:)`: that generic call makes the runtime scan every
    /// protocol conformance record of the binary once per process (~0.1 ms of each run).
    static func dotted(_ parts: [String]) -> String {
        var text = ""
        for (i, part) in parts.enumerated() {
            if i > 0 { text += "." }
            text += part
        }
        return text
    }

    static func isControl(_ c: UInt8) -> Bool {
        (c < 0x20 && c != UInt8(ascii: "\t")) || c == 0x7F
    }

    // MARK: document

    mutating func document() throws(TOMLError) -> TOMLTable {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 }
        let root = TOMLTable(kind: .explicit, line: 1)
        var table = root
        var path: [String] = []
        while current != nil {
            skipSpaces()
            try skipComment()
            if try newline() { continue }
            guard let c = current else { break }
            if c == UInt8(ascii: "[") {
                (table, path) = try header(root: root)
            } else {
                try keyValue(into: table, path: path)
            }
            skipSpaces()
            try skipComment()
            if current != nil, try !newline() {
                throw error("expected the end of the line, found \(found)")
            }
        }
        return root
    }

    /// `[a.b]` or `[[a.b]]`: finds or makes the table and returns it with its path.
    mutating func header(root: TOMLTable) throws(TOMLError) -> (TOMLTable, [String]) {
        let headerLine = line
        advance()
        let isArray = current == UInt8(ascii: "[")
        if isArray { advance() }
        skipSpaces()
        let keys = try key()
        skipSpaces()
        guard current == UInt8(ascii: "]") else { throw error("expected ']' to close the table header, found \(found)") }
        advance()
        if isArray {
            guard current == UInt8(ascii: "]") else { throw error("expected ']]' to close the array-of-tables header, found \(found)") }
            advance()
        }
        var table = root
        var path: [String] = []
        for part in keys.dropLast() {
            path.append(part)
            switch table[part]?.value {
            case nil:
                let made = TOMLTable(kind: .implicit, line: headerLine)
                table.insert(part, TOMLNode(value: .table(made), line: headerLine))
                table = made
            case .table(let next)?:
                guard next.kind != .inline else { throw error("[\(Self.dotted(path))] is an inline table and cannot be extended") }
                table = next
            case .tables(let list)?:
                guard let last = list.tables.last else { throw error("empty array of tables") }
                path.append(String(list.tables.count - 1))
                table = last
            default:
                throw error("\"\(Self.dotted(path))\" is a value (line \(table[part]?.line ?? 0)), not a table")
            }
        }
        let last = keys[keys.count - 1]
        path.append(last)
        let name = Self.dotted(path)
        if isArray {
            let element = TOMLTable(kind: .explicit, line: headerLine)
            switch table[last]?.value {
            case nil:
                let list = TOMLTableArray()
                list.append(element)
                table.insert(last, TOMLNode(value: .tables(list), line: headerLine))
                lines[name] = headerLine
                path.append("0")
            case .tables(let list)?:
                list.append(element)
                path.append(String(list.tables.count - 1))
            default:
                throw error("\"\(name)\" (line \(table[last]?.line ?? 0)) is not an array of tables")
            }
            lines[Self.dotted(path)] = headerLine
            return (element, path)
        }
        switch table[last]?.value {
        case nil:
            let made = TOMLTable(kind: .explicit, line: headerLine)
            table.insert(last, TOMLNode(value: .table(made), line: headerLine))
            lines[name] = headerLine
            return (made, path)
        case .table(let existing)? where existing.kind == .implicit:
            existing.kind = .explicit
            return (existing, path)
        case .table(let existing)?:
            let how = existing.kind == .dotted ? "by dotted keys " : ""
            throw TOMLError(line: headerLine, column: 1, message: "duplicate table [\(name)] (defined \(how)on line \(existing.line))")
        case .tables?:
            throw TOMLError(line: headerLine, column: 1, message: "[\(name)] is already an array of tables (line \(table[last]?.line ?? 0)); use [[\(name)]]")
        default:
            throw TOMLError(line: headerLine, column: 1, message: "duplicate table [\(name)] (\"\(name)\" is a value on line \(table[last]?.line ?? 0))")
        }
    }

    /// `key = value` into `table` (whose path is `path`).
    mutating func keyValue(into table: TOMLTable, path: [String]) throws(TOMLError) {
        let keyLine = line
        let keys = try key()
        skipSpaces()
        guard current == UInt8(ascii: "=") else { throw error("expected '=' after the key, found \(found)") }
        advance()
        skipSpaces()
        var target = table
        var full = path
        for part in keys.dropLast() {
            full.append(part)
            switch target[part]?.value {
            case nil:
                let made = TOMLTable(kind: .dotted, line: keyLine)
                target.insert(part, TOMLNode(value: .table(made), line: keyLine))
                lines[Self.dotted(full)] = keyLine
                target = made
            case .table(let next)? where next.kind == .dotted:
                target = next
            default:
                throw TOMLError(line: keyLine, column: 1, message: "cannot add \"\(Self.dotted(keys))\": \"\(Self.dotted(full))\" was already defined on line \(target[part]?.line ?? 0)")
            }
        }
        let last = keys[keys.count - 1]
        full.append(last)
        let name = Self.dotted(full)
        if let existing = target[last] {
            throw TOMLError(line: keyLine, column: 1, message: "duplicate key \"\(name)\" (first on line \(existing.line))")
        }
        lines[name] = keyLine
        let node = try value(path: full)
        target.insert(last, TOMLNode(value: node.value, line: keyLine))
    }

    /// A dotted key: bare or quoted parts.
    mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = current else { throw error("expected a key, found end of file") }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                if peek(1) == c, peek(2) == c { throw error("a key cannot be a multi-line string") }
                parts.append(c == UInt8(ascii: "\"") ? try basicString() : try literalString())
            } else {
                let start = index
                while let d = current, Self.isBareKeyByte(d) { advance() }
                guard index > start else { throw error("expected a key, found \(found)") }
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return parts }
            advance()
        }
    }

    static func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    // MARK: values

    mutating func value(path: [String]) throws(TOMLError) -> TOMLNode {
        let start = line
        guard let c = current else { throw error("expected a value, found end of file") }
        switch c {
        case UInt8(ascii: "\""):
            let s = peek(1) == c && peek(2) == c ? try multilineBasicString() : try basicString()
            return TOMLNode(value: .string(s), line: start)
        case UInt8(ascii: "'"):
            let s = peek(1) == c && peek(2) == c ? try multilineLiteralString() : try literalString()
            return TOMLNode(value: .string(s), line: start)
        case UInt8(ascii: "["):
            return TOMLNode(value: .array(try array(path: path)), line: start)
        case UInt8(ascii: "{"):
            return TOMLNode(value: .table(try inlineTable(path: path)), line: start)
        default:
            return TOMLNode(value: try scalar(), line: start)
        }
    }

    mutating func array(path: [String]) throws(TOMLError) -> [TOMLNode] {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("arrays and tables nested more than \(Self.maxDepth) deep") }
        advance()
        var nodes: [TOMLNode] = []
        while true {
            try skipBlank()
            if current == UInt8(ascii: "]") { advance(); return nodes }
            let elementPath = path + [String(nodes.count)]
            lines[Self.dotted(elementPath)] = line
            nodes.append(try value(path: elementPath))
            try skipBlank()
            if current == UInt8(ascii: ",") { advance(); continue }
            if current == UInt8(ascii: "]") { advance(); return nodes }
            throw error("expected ',' or ']' in the array, found \(found)")
        }
    }

    mutating func inlineTable(path: [String]) throws(TOMLError) -> TOMLTable {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("arrays and tables nested more than \(Self.maxDepth) deep") }
        let table = TOMLTable(kind: .explicit, line: line)
        advance()
        skipSpaces()
        if current == UInt8(ascii: "}") {
            advance()
            table.kind = .inline
            return table
        }
        while true {
            skipSpaces()
            try keyValue(into: table, path: path)
            skipSpaces()
            if current == UInt8(ascii: ",") { advance(); continue }
            if current == UInt8(ascii: "}") { advance(); break }
            throw error("expected ',' or '}' in the inline table (which must fit on one line), found \(found)")
        }
        table.kind = .inline
        return table
    }
}
