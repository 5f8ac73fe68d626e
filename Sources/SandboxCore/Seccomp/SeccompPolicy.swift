/// A seccomp policy as data: compiled to BPF by the runtime (libseccomp) in the parent.
///
/// Rules are read as libseccomp reads them: the comparisons of one rule must all hold; a
/// syscall's rules are alternatives; an unconditional rule on a syscall overrides its
/// conditional ones. `normalized()` makes a policy libseccomp accepts as written.
public struct SeccompPolicy: Codable, Equatable, Sendable {
    public var defaultAction: SeccompAction
    public var rules: [SeccompRule]
    /// What a syscall made through another ABI gets: i386 (`int 0x80`) and x32 (numbers
    /// with bit 30 set) reach different syscall tables with different argument layouts,
    /// which a native filter does not describe. libseccomp's bad-arch action; the filter is
    /// compiled for the native architecture only.
    public var badArchAction: SeccompAction

    public init(defaultAction: SeccompAction, rules: [SeccompRule], badArchAction: SeccompAction = .killProcess) {
        self.defaultAction = defaultAction
        self.rules = rules
        self.badArchAction = badArchAction
    }

    enum CodingKeys: String, CodingKey { case defaultAction, rules, badArchAction }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        defaultAction = try c.decode(SeccompAction.self, forKey: .defaultAction)
        rules = try c.decode([SeccompRule].self, forKey: .rules)
        // Plans written before the field existed meant libseccomp's default, which this
        // runner never used: kill the process.
        badArchAction = try c.decodeIfPresent(SeccompAction.self, forKey: .badArchAction) ?? .killProcess
    }

    /// The rules for one syscall, in order.
    public func rules(for syscall: String) -> [SeccompRule] {
        rules.filter { $0.syscall == syscall }
    }
}

extension SeccompPolicy {
    /// Whether `syscall` is allowed whatever its arguments.
    public func allowsUnconditionally(_ syscall: String) -> Bool {
        let own = rules.filter { $0.syscall == syscall }
        if own.isEmpty { return defaultAction == .allow }
        return own.contains { $0.action == .allow && $0.args.isEmpty }
            || (defaultAction == .allow && own.allSatisfy { $0.action == .allow })
    }

    /// What the command itself calls after loading its filter: sending the listener to the
    /// runner, closing it, and execve. A policy denying one of them could never start.
    public static let neededAfterLoading = ["sendmsg", "close", "execve"]

    public func checkStartable() throws(SandboxError) {
        if let missing = Self.neededAfterLoading.first(where: { !allowsUnconditionally($0) }) {
            throw SandboxError(.profile, "the seccomp policy denies \(missing), which every command needs to start")
        }
    }
}

public enum SeccompAction: Equatable, Sendable, Codable, CustomStringConvertible {
    case allow
    case errno(Int32)
    case killProcess
    case killThread
    case trap
    case log

    /// Whether the syscall runs (`log` runs it and writes an audit record).
    public var permits: Bool {
        switch self {
        case .allow, .log: true
        default: false
        }
    }

    /// Higher is harsher; used to pick one action where a policy gives two for the same
    /// case, never to loosen.
    public var severity: Int {
        switch self {
        case .allow: 0
        case .log: 1
        case .errno: 2
        case .trap: 3
        case .killThread: 4
        case .killProcess: 5
        }
    }

    public var description: String {
        switch self {
        case .allow: "allow"
        case .errno(let e): "errno:\(e)"
        case .killProcess: "kill-process"
        case .killThread: "kill-thread"
        case .trap: "trap"
        case .log: "log"
        }
    }

    public init(parsing text: String) throws(SandboxError) {
        switch text {
        case "allow": self = .allow
        case "kill-process": self = .killProcess
        case "kill-thread": self = .killThread
        case "trap": self = .trap
        case "log": self = .log
        default:
            if text.hasPrefix("errno:"), let e = Int32(text.dropFirst(6)), e > 0, e < 4096 {
                self = .errno(e)
            } else {
                throw SandboxError(.profile, "unknown seccomp action \"\(text)\"")
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }
}

public struct SeccompRule: Codable, Equatable, Sendable {
    public var syscall: String
    public var action: SeccompAction
    /// All must hold (logical AND), as in libseccomp.
    public var args: [SeccompArgument]
    public init(syscall: String, action: SeccompAction, args: [SeccompArgument] = []) {
        self.syscall = syscall
        self.action = action
        self.args = args
    }
}

public struct SeccompArgument: Codable, Hashable, Sendable {
    public enum Op: String, Codable, Hashable, Sendable {
        case equal = "eq", notEqual = "ne", less = "lt", lessOrEqual = "le"
        case greater = "gt", greaterOrEqual = "ge", maskedEqual = "masked_eq"
    }
    public var index: UInt32
    public var op: Op
    public var value: UInt64
    /// For `masked_eq`: the mask is `value`, the expected result `valueTwo` (OCI order).
    public var valueTwo: UInt64
    public init(index: UInt32, op: Op, value: UInt64, valueTwo: UInt64 = 0) {
        self.index = index
        self.op = op
        self.value = value
        self.valueTwo = valueTwo
    }
}

extension SeccompPolicy {
    /// A deterministic text form (the compile cache's key): equal policies, equal text.
    /// Appended piece by piece, not interpolated: every run computes it (the filter cache's
    /// key), and interpolation cost ~3 times as much for a 360-rule policy.
    public var canonicalText: String {
        var text = "default=" + defaultAction.description + " badarch=" + badArchAction.description + "\n"
        text.reserveCapacity(rules.count * 40)
        for rule in rules {
            text += rule.syscall
            text += " "
            text += rule.action.description
            for arg in rule.args {
                text += " "
                text += String(arg.index)
                text += ":"
                text += arg.op.rawValue
                text += ":"
                text += String(arg.value)
                text += ":"
                text += String(arg.valueTwo)
            }
            text += "\n"
        }
        return text
    }
}
