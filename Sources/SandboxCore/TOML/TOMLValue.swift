/// The TOML document model of `TOMLParser`: just what profiles need, with the line of every
/// value. Dates and times are not part of it (the parser refuses them: no profile key
/// takes one).
public indirect enum TOMLValue: Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case array([TOMLNode])
    case table(TOMLTable)
    /// `[[name]]` sections.
    case tables(TOMLTableArray)
}

public struct TOMLNode: Sendable {
    public var value: TOMLValue
    /// 1-based line where the value (for a key: the key) starts.
    public var line: Int

    public var string: String? { if case .string(let s) = value { return s }; return nil }
    public var int: Int64? { if case .integer(let i) = value { return i }; return nil }
    public var double: Double? { if case .float(let d) = value { return d }; return nil }
    public var bool: Bool? { if case .bool(let b) = value { return b }; return nil }
    public var table: TOMLTable? { if case .table(let t) = value { return t }; return nil }

    /// Arrays, and arrays of tables as arrays of table nodes.
    public var array: [TOMLNode]? {
        switch value {
        case .array(let nodes): return nodes
        case .tables(let list): return list.tables.map { TOMLNode(value: .table($0), line: $0.line) }
        default: return nil
        }
    }

    /// How messages name the type: "a string", "an integer", ...
    public var typeName: String {
        switch value {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .array, .tables: return "an array"
        case .table: return "a table"
        }
    }
}

/// A table; a class because `[a.b]` headers reopen tables made earlier. Only the parser
/// mutates one, before the document is handed out.
public final class TOMLTable: @unchecked Sendable {
    enum Kind {
        /// Made by a longer header (`[a.b]` makes `a`); may be defined once later.
        case implicit
        /// Defined by a `[header]` (or an `[[array]]` element, or the root).
        case explicit
        /// Made by a dotted key (`a.b = 1`); no header may define it again.
        case dotted
        /// `{ ... }`: closed, nothing may add to it.
        case inline
    }

    var kind: Kind
    public let line: Int
    /// Keys in the order they were written.
    public private(set) var keys: [String] = []
    private var entries: [String: TOMLNode] = [:]

    init(kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    public subscript(key: String) -> TOMLNode? { entries[key] }
    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    func insert(_ key: String, _ node: TOMLNode) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = node
    }
}

public final class TOMLTableArray: @unchecked Sendable {
    public private(set) var tables: [TOMLTable] = []
    func append(_ table: TOMLTable) { tables.append(table) }
}

/// A syntax error, at a 1-based line and column.
public struct TOMLError: Error, Equatable, Sendable {
    public var line: Int
    public var column: Int
    public var message: String
}
