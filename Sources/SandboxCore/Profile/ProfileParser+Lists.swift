/// Checks for the list and table kinds. Element problems name the element
/// ("filesystem.read_only[2]") and its own line.
extension ParseContext {
    /// An array of strings, each checked by `rule` (which returns a problem or nil); an
    /// entry given twice is an error (in a reviewed file it is a merge mistake).
    mutating func stringList(_ path: String, _ value: TOMLNode, _ expected: String,
                             _ rule: (String) -> String?) -> [String]? {
        guard let array = value.array else { wrongType(path, expected, value); return nil }
        guard checkLength(path, array) else { return nil }
        var result: [String] = []
        var seen: Set<String> = []
        for i in 0..<array.count {
            let element = array[i], elementPath = "\(path).\(i)"
            guard let s = element.string else { wrongType(elementPath, "a string", element); continue }
            if let message = rule(s) { problem(elementPath, message); continue }
            guard seen.insert(s).inserted else { problem(elementPath, "\(TOMLText.quoted(s)) is listed twice"); continue }
            result.append(s)
        }
        return result
    }

    mutating func binds(_ path: String, _ value: TOMLNode) -> [BindSpec]? {
        let expected = "an array of \"SRC[:DST]\" strings or { source, target } tables"
        guard let array = value.array else { wrongType(path, expected, value); return nil }
        guard checkLength(path, array) else { return nil }
        var result: [BindSpec] = []
        var targets: Set<String> = []
        for i in 0..<array.count {
            let element = array[i], elementPath = "\(path).\(i)"
            var bind: BindSpec?
            if let s = element.string {
                let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                if parts.count > 2 {
                    problem(elementPath, "\(TOMLText.quoted(s)) has more than one ':'; use { source = \"...\", target = \"...\" } for paths holding ':'")
                } else if let message = Self.pathProblem(parts[0]) ?? (parts.count == 2 ? Self.pathProblem(parts[1]) : nil) {
                    problem(elementPath, message)
                } else {
                    bind = BindSpec(source: parts[0], target: parts.count == 2 ? parts[1] : nil)
                }
            } else if let table = element.table {
                guard onlyKeys(["source", "target"], in: table, at: elementPath) else { continue }
                let source = tablePath(table, "source", at: elementPath, required: true)
                let target = tablePath(table, "target", at: elementPath, required: false)
                if let source { bind = BindSpec(source: source, target: target) }
            } else {
                wrongType(elementPath, "a \"SRC[:DST]\" string or a { source, target } table", element)
            }
            guard let bind else { continue }
            guard targets.insert(bind.target).inserted else {
                problem(elementPath, "target \(TOMLText.quoted(bind.target)) is listed twice")
                continue
            }
            result.append(bind)
        }
        return result
    }

    mutating func tmpfsList(_ path: String, _ value: TOMLNode) -> [TmpfsSpec]? {
        let expected = "an array of \"DST[:SIZE]\" strings or { target, size } tables"
        guard let array = value.array else { wrongType(path, expected, value); return nil }
        guard checkLength(path, array) else { return nil }
        var result: [TmpfsSpec] = []
        var targets: Set<String> = []
        let sizeKind = ProfileSchema.tmpfsSizeRange
        for i in 0..<array.count {
            let element = array[i], elementPath = "\(path).\(i)"
            var spec: TmpfsSpec?
            if let s = element.string {
                let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                if parts.count > 2 {
                    problem(elementPath, "\(TOMLText.quoted(s)) has more than one ':'")
                } else if let message = Self.pathProblem(parts[0]) {
                    problem(elementPath, message)
                } else if parts.count == 2 {
                    if case .integer(let bytes)? = sizeText(elementPath, parts[1], min: sizeKind.lowerBound, max: sizeKind.upperBound, unlimited: false) {
                        spec = TmpfsSpec(target: parts[0], sizeBytes: bytes)
                    }
                } else {
                    spec = TmpfsSpec(target: parts[0], sizeBytes: TmpfsSpec.defaultSize)
                }
            } else if let table = element.table {
                guard onlyKeys(["target", "size"], in: table, at: elementPath) else { continue }
                if let target = tablePath(table, "target", at: elementPath, required: true) {
                    if let sizeValue = table["size"] {
                        if case .integer(let bytes)? = size("\(elementPath).size", sizeValue, min: sizeKind.lowerBound, max: sizeKind.upperBound, unlimited: false) {
                            spec = TmpfsSpec(target: target, sizeBytes: bytes)
                        }
                    } else {
                        spec = TmpfsSpec(target: target, sizeBytes: TmpfsSpec.defaultSize)
                    }
                }
            } else {
                wrongType(elementPath, "a \"DST[:SIZE]\" string or a { target, size } table", element)
            }
            guard let spec else { continue }
            guard targets.insert(spec.target).inserted else {
                problem(elementPath, "target \(TOMLText.quoted(spec.target)) is listed twice")
                continue
            }
            result.append(spec)
        }
        return result
    }

    /// Lists (and `set`) hold at most `maxEntries`: a profile is reviewed by people, and the
    /// checks and merges stay linear-ish.
    static let maxEntries = 1024

    mutating func checkLength(_ path: String, _ array: [TOMLNode]) -> Bool {
        guard array.count <= Self.maxEntries else {
            problem(path, "has \(array.count) entries; at most \(Self.maxEntries) are allowed")
            return false
        }
        return true
    }

    mutating func envMap(_ path: String, _ value: TOMLNode) -> [String: String]? {
        guard let table = value.table else { wrongType(path, "a table of NAME = \"value\"", value); return nil }
        guard table.count <= Self.maxEntries else {
            problem(path, "has \(table.count) entries; at most \(Self.maxEntries) are allowed")
            return nil
        }
        var result: [String: String] = [:]
        for name in table.keys {
            guard let v = table[name] else { continue }
            let entryPath = "\(path).\(name)"
            guard EnvironmentOverride.isValidName(name) else { problem(entryPath, "\(TOMLText.quoted(name)) is not a valid variable name"); continue }
            guard let s = v.string else { wrongType(entryPath, "a string", v); continue }
            guard s.utf8.count <= 32 * 1024 else { problem(entryPath, "value is longer than 32768 bytes"); continue }
            result[name] = s
        }
        return result
    }

    mutating func removals(_ path: String, _ value: TOMLNode, of kind: ProfileSchema.Kind?) -> ProfileValue? {
        let rule: (String) -> String?
        switch kind {
        case .envPatterns?: rule = Self.envDenyPatternProblem
        case .capabilities?: rule = Self.capabilityProblem
        case .envMap?: rule = { EnvironmentOverride.isValidName($0) ? nil : "\(TOMLText.quoted($0)) is not a valid variable name" }
        default: rule = Self.pathProblem
        }
        return stringList(path, value, "an array of entries to remove", rule).map(ProfileValue.strings)
    }

    mutating func io(_ path: String, _ value: TOMLNode) -> ProfileValue? {
        if value.string == "unlimited" { return .unlimited }
        guard let table = value.table else { wrongType(path, "a table { weight, read_bps, write_bps, read_iops, write_iops }", value); return nil }
        guard onlyKeys(ProfileSchema.ioKeys, in: table, at: path) else { return nil }
        guard !table.isEmpty else { problem(path, "names no limit (use weight, read_bps, write_bps, read_iops, write_iops)"); return nil }
        var io = IOLimits()
        func number(_ v: ProfileValue?) -> UInt64? { if case .integer(let n)? = v { return n }; return nil }
        if let v = table["weight"] { io.weight = number(count("\(path).weight", v, min: 1, max: 10000, unlimited: false)) }
        if let v = table["read_iops"] { io.readIOPS = number(count("\(path).read_iops", v, min: 1, max: 1 << 32, unlimited: false)) }
        if let v = table["write_iops"] { io.writeIOPS = number(count("\(path).write_iops", v, min: 1, max: 1 << 32, unlimited: false)) }
        if let v = table["read_bps"] { io.readBytesPerSecond = number(size("\(path).read_bps", v, min: 1, max: 1 << 50, unlimited: false)) }
        if let v = table["write_bps"] { io.writeBytesPerSecond = number(size("\(path).write_bps", v, min: 1, max: 1 << 50, unlimited: false)) }
        return .io(io)
    }

    /// False (with a problem per stranger) when the table holds a key not in `known`.
    mutating func onlyKeys(_ known: [String], in table: TOMLTable, at path: String) -> Bool {
        var ok = true
        for name in table.keys where !known.contains(name) {
            ok = false
            let hint = Suggestions.closest(to: name, in: known).map { "; did you mean \"\($0)\"?" }
                ?? "; expected " + known.map { "\"\($0)\"" }.joined(separator: ", ")
            problem("\(path).\(name)", "\(Self.display(path)): unknown key \(TOMLText.quoted(name))\(hint)", prefix: false)
        }
        return ok
    }

    mutating func tablePath(_ table: TOMLTable, _ name: String, at path: String, required: Bool) -> String? {
        guard let v = table[name] else {
            if required { problem(path, "needs \(name) = \"/absolute/path\"") }
            return nil
        }
        guard let s = v.string else { wrongType("\(path).\(name)", "a path string", v); return nil }
        if let message = Self.pathProblem(s) { problem("\(path).\(name)", message); return nil }
        return s
    }

    // MARK: element rules (nil when fine)

    static func pathProblem(_ s: String) -> String? {
        let q = TOMLText.quoted(s)
        if s.unicodeScalars.contains(where: isControl) { return "\(q) contains a control character" }
        guard s.hasPrefix("/") else { return "\(q) is not an absolute path" }
        if s == "/" { return "\"/\" would expose the whole host; name the directories instead" }
        if s.utf8.count > 4095 { return "path is longer than 4095 bytes" }
        let parts = s.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if parts.contains(where: { $0.isEmpty || $0.elementsEqual(".".utf8) || $0.elementsEqual("..".utf8) }) {
            return "\(q) is not a clean path (no empty, \".\" or \"..\" parts, no trailing \"/\")"
        }
        return nil
    }

    /// `deny = ["*"]` is allowed (it passes nothing); `allow = ["*"]` is not.
    static func envDenyPatternProblem(_ s: String) -> String? {
        s == "*" ? nil : envPatternProblem(s)
    }

    static func envPatternProblem(_ s: String) -> String? {
        if s == "*" { return "\"*\" would pass every variable of the caller, credentials included; list names or PREFIX* patterns" }
        let name = s.hasSuffix("*") ? String(s.dropLast()) : s
        guard EnvironmentOverride.isValidName(name) else {
            return "\(TOMLText.quoted(s)) is not a variable name or PREFIX* pattern"
        }
        return nil
    }

    static func syscallNameProblem(_ s: String) -> String? {
        let ok = !s.isEmpty && s.count <= 64 && s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        return ok ? nil : "\(TOMLText.quoted(s)) is not a syscall name"
    }

    mutating func seccompPolicy(_ path: String, _ value: TOMLNode) -> String? {
        guard let s = value.string else { wrongType(path, "a string", value); return nil }
        if BuiltinSeccompPolicies.names.contains(s) { return s }
        if s.hasPrefix("/"), Self.pathProblem(s) == nil { return s }
        let hint = Suggestions.closest(to: s, in: BuiltinSeccompPolicies.names)
        problem(path, "unknown seccomp policy \(TOMLText.quoted(s)) (built-in: \(BuiltinSeccompPolicies.names.joined(separator: ", ")), or the absolute path of an OCI/Docker JSON file)"
            + (hint.map { "; did you mean \"\($0)\"?" } ?? ""))
        return nil
    }

    static func capabilityProblem(_ s: String) -> String? {
        guard ProfileSchema.capabilityNames.contains(s) else {
            let hint = Suggestions.closest(to: s, in: ProfileSchema.capabilityNames)
                ?? Suggestions.closest(to: "CAP_" + s, in: ProfileSchema.capabilityNames)
            return "unknown capability \(TOMLText.quoted(s))" + (hint.map { "; did you mean \"\($0)\"?" } ?? "")
        }
        return nil
    }
}
