/// Text in, a checked `ProfileLayer` or every problem found out. Pure: no file system.
///
/// Order of checks: size cap, NUL bytes and UTF-8 on the raw bytes; TOML syntax
/// (`TOMLParser`: duplicate keys and tables, escaped NULs); then every key against
/// `ProfileSchema`. Problems carry the file, the line and the key.
public enum ProfileParser {
    public static func parse(_ text: String, origin: String) -> Result<ProfileLayer, ProfileProblems> {
        parse(Array(text.utf8), origin: origin)
    }

    public static func parse(_ bytes: [UInt8], origin: String) -> Result<ProfileLayer, ProfileProblems> {
        if let problem = ProfileBytes.problem(bytes, origin: origin) {
            return .failure(ProfileProblems([problem]))
        }
        let document: TOMLParser.Document
        switch TOMLParser.parse(bytes) {
        case .success(let parsed): document = parsed
        case .failure(let error):
            let message = error.message.hasPrefix("duplicate") || error.message.contains("NUL")
                ? error.message : "invalid TOML at column \(error.column): \(error.message)"
            return .failure(ProfileProblems([ProfileProblem(origin: origin, line: error.line, message: message)]))
        }
        var context = ParseContext(origin: origin, lines: document.lines)
        context.walk(document.root)
        if context.layer.extends == nil {
            for key in ProfileSchema.keys where context.layer.values[key.path] != nil {
                if case .removals = key.kind {
                    context.problem(key.path, "this profile extends no other, so there is nothing to remove")
                }
            }
        }
        if context.problems.isEmpty { return .success(context.layer) }
        return .failure(ProfileProblems(context.sortedProblems))
    }
}

/// State of one parse: the layer built so far and the problems found.
struct ParseContext {
    let origin: String
    let lines: [String: Int]
    var layer: ProfileLayer
    var problems: [ProfileProblem] = []

    init(origin: String, lines: [String: Int]) {
        self.origin = origin
        self.lines = lines
        self.layer = ProfileLayer(origin: origin, lines: lines)
    }

    var sortedProblems: [ProfileProblem] {
        problems.enumerated().sorted { a, b in
            let la = a.element.line ?? Int.max, lb = b.element.line ?? Int.max
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }

    /// A problem about `path` ("limits.memory", "filesystem.read_only.2"), shown as
    /// "filesystem.read_only[2]: message".
    mutating func problem(_ path: String, _ message: String, prefix: Bool = true) {
        let shown = Self.display(path)
        problems.append(ProfileProblem(origin: origin, line: line(for: path), key: shown,
                                       message: prefix ? "\(shown): \(message)" : message))
    }

    /// The line of a path, or of its closest parent that has one.
    func line(for path: String) -> Int? {
        var parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        while !parts.isEmpty {
            if let line = lines[parts.joined(separator: ".")] { return line }
            parts.removeLast()
        }
        return nil
    }

    /// "filesystem.read_only.2" -> "filesystem.read_only[2]".
    static func display(_ path: String) -> String {
        var out = ""
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            if !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), !out.isEmpty {
                out += "[\(part)]"
            } else {
                out += out.isEmpty ? String(part) : "." + part
            }
        }
        return out
    }

    mutating func walk(_ root: TOMLTable) {
        for name in root.keys {
            guard let value = root[name] else { continue }
            if let key = ProfileSchema.key(name) {
                check(key, value)
            } else if ProfileSchema.tables.contains(name) {
                guard let table = value.table else {
                    problem(name, "expected a table ([\(name)]), found \(value.typeName)")
                    continue
                }
                for inner in table.keys {
                    guard let innerValue = table[inner] else { continue }
                    if let key = ProfileSchema.key(name + "." + inner) {
                        check(key, innerValue)
                    } else {
                        unknownKey(inner, in: name, isTable: innerValue.table != nil)
                    }
                }
            } else {
                unknownKey(name, in: "", isTable: value.table != nil)
            }
        }
    }

    mutating func unknownKey(_ name: String, in table: String, isTable: Bool) {
        let path = table.isEmpty ? name : table + "." + name
        let shown = TOMLText.quoted(name)
        let place = table.isEmpty ? (isTable ? "" : " at the top level") : " in [\(table)]"
        var message = table.isEmpty && isTable ? "unknown table [\(name)]" : "unknown key \(shown)\(place)"
        if let suggestion = Suggestions.closest(to: name, in: ProfileSchema.names(in: table)) {
            message += table.isEmpty && isTable ? "; did you mean [\(suggestion)]?" : "; did you mean \"\(suggestion)\"?"
        } else if let home = ProfileSchema.keys.first(where: { $0.name == name && $0.table != table }) {
            message += home.table.isEmpty ? "; it belongs at the top level" : "; it belongs in [\(home.table)]"
        }
        problem(path, message, prefix: false)
    }
}
