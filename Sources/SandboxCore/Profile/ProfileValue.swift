/// One checked value of a profile key, in the unit the `Profile` stores (bytes, seconds).
public enum ProfileValue: Equatable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case string(String)
    case integer(UInt64)
    case number(Double)
    /// "unlimited" for an optional limit: removes a limit a base profile set.
    case unlimited
    case strings([String])
    case binds([BindSpec])
    case tmpfs([TmpfsSpec])
    case map([String: String])
    case io(IOLimits)

    public var description: String {
        switch self {
        case .bool(let b): return String(b)
        case .string(let s): return TOMLText.quoted(s)
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .unlimited: return "\"unlimited\""
        case .strings(let list): return "[" + list.map(TOMLText.quoted).joined(separator: ", ") + "]"
        case .binds(let list):
            return "[" + list.map { "{ source = \(TOMLText.quoted($0.source)), target = \(TOMLText.quoted($0.target)) }" }.joined(separator: ", ") + "]"
        case .tmpfs(let list):
            return "[" + list.map { "{ target = \(TOMLText.quoted($0.target)), size = \(TOMLText.quoted(ProfileUnits.formatSize($0.sizeBytes))) }" }.joined(separator: ", ") + "]"
        case .map(let map):
            return "{ " + map.keys.sorted().map { "\($0) = \(TOMLText.quoted(map[$0]!))" }.joined(separator: ", ") + " }"
        case .io(let io): return ProfileRenderer.ioText(io)
        }
    }
}

/// What one file says, before `extends` is resolved: key path ("limits.memory") to value,
/// with the line each key was written on.
public struct ProfileLayer: Equatable, Sendable {
    /// Where the text came from, as messages show it ("profiles/strict.toml", "built-in strict").
    public var origin: String
    public var values: [String: ProfileValue]
    public var lines: [String: Int]

    public init(origin: String, values: [String: ProfileValue] = [:], lines: [String: Int] = [:]) {
        self.origin = origin
        self.values = values
        self.lines = lines
    }

    public var extends: String? {
        if case .string(let name)? = values["extends"] { return name }
        return nil
    }
}

/// TOML string quoting shared by messages and the renderer.
enum TOMLText {
    /// A TOML basic string; control characters are escaped so that nothing a profile holds
    /// can move the cursor of the terminal showing it.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
