/// A seccomp policy file in the OCI runtime spec's `linux.seccomp` format, with Docker's
/// additions (`archMap`, `name`, `comment`, `includes`/`excludes`). Parsing is strict: an
/// unknown key, a wrong type or an unknown action or operator is an error naming the file,
/// the line and the JSON path. A misspelt "args" ignored would turn a narrow allow into an
/// unconditional one, so nothing is skipped silently.
///
/// Action mapping (libseccomp names):
/// - SCMP_ACT_ALLOW, _ERRNO (errnoRet, else defaultErrnoRet for the default action, else
///   EPERM as runc), _TRAP, _LOG, _KILL_PROCESS: as named.
/// - SCMP_ACT_KILL and SCMP_ACT_KILL_THREAD: kill-thread (libseccomp's SCMP_ACT_KILL is
///   the thread; runc and crun read it so).
/// - SCMP_ACT_TRACE: errno ENOSYS, with a warning. The sandbox attaches no tracer, and
///   with no tracer the kernel answers ENOSYS without running the call (seccomp(2)).
/// - SCMP_ACT_NOTIFY and `listenerPath`: refused; the runner owns the notification fd.
public struct OCISeccompProfile: Equatable, Sendable {
    public struct Condition: Equatable, Sendable {
        public var caps: [String] = []
        public var arches: [String] = []
        public var minKernel: KernelVersion?
    }

    public struct Entry: Equatable, Sendable {
        public var names: [String]
        public var action: SeccompAction
        public var args: [SeccompArgument]
        public var includes: Condition
        public var excludes: Condition
        /// "syscalls[3]", for warnings.
        public var path: String
    }

    public var defaultAction: SeccompAction
    /// Every architecture the file mentions for this machine: `architectures`, and the
    /// `archMap` entry for x86_64 with its sub-architectures.
    public var architectures: [String]
    public var syscalls: [Entry]
    public var warnings: [String]

    /// A policy file larger than this is refused before parsing (Docker's is ~20 KiB).
    public static let maxBytes = 1 << 20

    static let eperm: Int32 = 1
    static let enosys: Int32 = 38

    public static func parse(_ bytes: [UInt8], source: String) throws(SandboxError) -> OCISeccompProfile {
        guard bytes.count <= maxBytes else {
            throw SandboxError(.profile, "\(source): seccomp policy is \(bytes.count) bytes; the limit is \(maxBytes)")
        }
        let root: JSONNode
        do { root = try JSONTree.parse(bytes) } catch {
            throw SandboxError(.profile, "\(source):\(error.line): invalid JSON: \(error.message)")
        }
        var reader = FieldReader(source: source)
        return try reader.profile(root)
    }
}

/// Walks the JSON tree, carrying the file name for errors.
struct FieldReader {
    let source: String
    var warnings: [String] = []

    func fail(_ node: JSONNode, _ path: String, _ message: String) -> SandboxError {
        SandboxError(.profile, "\(source):\(node.line): \(path.isEmpty ? "(top level)" : path): \(message)")
    }

    func members(_ node: JSONNode, _ path: String, allowed: [String]) throws(SandboxError) -> [String: JSONNode] {
        guard case .object(let pairs) = node.value else { throw fail(node, path, "expected an object, found \(node.value.typeName)") }
        var result: [String: JSONNode] = [:]
        for (key, value) in pairs {
            guard allowed.contains(key) else {
                throw fail(value, path.isEmpty ? key : "\(path).\(key)", "unknown key (expected one of: \(allowed.joined(separator: ", ")))")
            }
            result[key] = value
        }
        return result
    }

    func array(_ node: JSONNode, _ path: String) throws(SandboxError) -> [JSONNode] {
        if case .null = node.value { return [] }  // Go's encoder writes nil slices as null
        guard case .array(let items) = node.value else { throw fail(node, path, "expected an array, found \(node.value.typeName)") }
        return items
    }

    func string(_ node: JSONNode, _ path: String) throws(SandboxError) -> String {
        guard case .string(let text) = node.value else { throw fail(node, path, "expected a string, found \(node.value.typeName)") }
        return text
    }

    func strings(_ node: JSONNode?, _ path: String) throws(SandboxError) -> [String] {
        guard let node else { return [] }
        var result: [String] = []
        for (i, item) in try array(node, path).enumerated() { result.append(try string(item, "\(path)[\(i)]")) }
        return result
    }

    func unsigned(_ node: JSONNode, _ path: String, max: UInt64 = .max) throws(SandboxError) -> UInt64 {
        guard let value = node.unsigned, value <= max else {
            let found = if case .number(let text) = node.value { text } else { node.value.typeName }
            throw fail(node, path, "expected an integer from 0 to \(max), found \(found)")
        }
        return value
    }

    func errno(_ node: JSONNode?, _ path: String) throws(SandboxError) -> Int32? {
        guard let node else { return nil }
        guard let value = node.unsigned, value >= 1, value <= 4095 else {
            throw fail(node, path, "expected an errno from 1 to 4095")
        }
        return Int32(value)
    }

    mutating func profile(_ root: JSONNode) throws(SandboxError) -> OCISeccompProfile {
        let top = try members(root, "", allowed: ["defaultAction", "defaultErrnoRet", "architectures", "archMap",
                                                  "syscalls", "flags", "listenerPath", "listenerMetadata", "comment"])
        guard let defaultNode = top["defaultAction"] else { throw fail(root, "defaultAction", "missing (every policy needs one)") }
        let defaultErrno = try errno(top["defaultErrnoRet"], "defaultErrnoRet")
        let defaultAction = try action(defaultNode, "defaultAction", errnoRet: defaultErrno)
        if let listener = top["listenerPath"], try string(listener, "listenerPath") != "" {
            throw fail(listener, "listenerPath", "seccomp notification listeners are not supported: the runner owns the notification")
        }
        let flags = try strings(top["flags"], "flags")
        if !flags.isEmpty {
            warnings.append("flags \(flags.joined(separator: ", ")) are ignored: the filter is loaded with the runner's own flags")
        }
        let architectures = try self.architectures(top)
        var entries: [OCISeccompProfile.Entry] = []
        if let list = top["syscalls"] {
            for (i, item) in try array(list, "syscalls").enumerated() {
                entries.append(try entry(item, "syscalls[\(i)]"))
            }
        }
        return OCISeccompProfile(defaultAction: defaultAction, architectures: architectures, syscalls: entries, warnings: warnings)
    }

    func architectures(_ top: [String: JSONNode]) throws(SandboxError) -> [String] {
        var result = try strings(top["architectures"], "architectures")
        if let map = top["archMap"] {
            for (i, item) in try array(map, "archMap").enumerated() {
                let path = "archMap[\(i)]"
                let fields = try members(item, path, allowed: ["architecture", "subArchitectures"])
                guard let arch = fields["architecture"] else { throw fail(item, "\(path).architecture", "missing") }
                let name = try string(arch, "\(path).architecture")
                let subs = try strings(fields["subArchitectures"], "\(path).subArchitectures")
                // Only the entry for this machine applies (as in Docker).
                if name == SeccompResolveContext.nativeSeccompArch { result += [name] + subs }
            }
        }
        for (i, name) in result.enumerated() where !name.hasPrefix("SCMP_ARCH_") {
            throw SandboxError(.profile, "\(source): architectures[\(i)]: \"\(name)\" is not an SCMP_ARCH_* name")
        }
        return result
    }

    mutating func entry(_ node: JSONNode, _ path: String) throws(SandboxError) -> OCISeccompProfile.Entry {
        let fields = try members(node, path, allowed: ["names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"])
        var names = try strings(fields["names"], "\(path).names")
        if let single = fields["name"] {
            guard fields["names"] == nil else { throw fail(single, "\(path).name", "give \"name\" or \"names\", not both") }
            names = [try string(single, "\(path).name")]
        }
        guard !names.isEmpty else { throw fail(node, "\(path).names", "no syscall named") }
        if let i = names.firstIndex(where: { $0.isEmpty || !$0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } }) {
            throw fail(node, "\(path).names[\(i)]", "\"\(names[i])\" is not a syscall name")
        }
        guard let actionNode = fields["action"] else { throw fail(node, "\(path).action", "missing") }
        let errnoRet = try errno(fields["errnoRet"], "\(path).errnoRet")
        let action = try self.action(actionNode, "\(path).action", errnoRet: errnoRet)
        if let errnoNode = fields["errnoRet"], !["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"].contains(try string(actionNode, "\(path).action")) {
            throw fail(errnoNode, "\(path).errnoRet", "only SCMP_ACT_ERRNO takes an errnoRet")
        }
        var args: [SeccompArgument] = []
        if let list = fields["args"] {
            for (i, item) in try array(list, "\(path).args").enumerated() {
                args.append(try argument(item, "\(path).args[\(i)]"))
            }
        }
        let indexes = args.map(\.index)
        if Set(indexes).count != indexes.count {
            throw fail(fields["args"]!, "\(path).args", "compares one argument twice; libseccomp allows one comparison per argument in a rule (write two entries)")
        }
        return OCISeccompProfile.Entry(
            names: names, action: action, args: args,
            includes: try condition(fields["includes"], "\(path).includes"),
            excludes: try condition(fields["excludes"], "\(path).excludes"),
            path: path)
    }

    mutating func action(_ node: JSONNode, _ path: String, errnoRet: Int32?) throws(SandboxError) -> SeccompAction {
        let name = try string(node, path)
        switch name {
        case "SCMP_ACT_ALLOW": return .allow
        case "SCMP_ACT_ERRNO": return .errno(errnoRet ?? OCISeccompProfile.eperm)
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return .killThread
        case "SCMP_ACT_KILL_PROCESS": return .killProcess
        case "SCMP_ACT_TRAP": return .trap
        case "SCMP_ACT_LOG": return .log
        case "SCMP_ACT_TRACE":
            warnings.append("\(path): SCMP_ACT_TRACE becomes errno ENOSYS: no tracer is attached in the sandbox, and without one the kernel answers ENOSYS")
            return .errno(OCISeccompProfile.enosys)
        case "SCMP_ACT_NOTIFY":
            throw fail(node, path, "SCMP_ACT_NOTIFY is not supported: the runner owns seccomp notification")
        default:
            throw fail(node, path, "unknown action \"\(name)\" (expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_LOG or SCMP_ACT_TRACE)")
        }
    }

    static let operators: [String: SeccompArgument.Op] = [
        "SCMP_CMP_NE": .notEqual, "SCMP_CMP_LT": .less, "SCMP_CMP_LE": .lessOrEqual, "SCMP_CMP_EQ": .equal,
        "SCMP_CMP_GE": .greaterOrEqual, "SCMP_CMP_GT": .greater, "SCMP_CMP_MASKED_EQ": .maskedEqual,
    ]

    func argument(_ node: JSONNode, _ path: String) throws(SandboxError) -> SeccompArgument {
        let fields = try members(node, path, allowed: ["index", "value", "valueTwo", "op"])
        for key in ["index", "value", "op"] where fields[key] == nil {
            throw fail(node, "\(path).\(key)", "missing")
        }
        let opName = try string(fields["op"]!, "\(path).op")
        guard let op = Self.operators[opName] else {
            throw fail(fields["op"]!, "\(path).op", "unknown operator \"\(opName)\" (expected one of: \(Self.operators.keys.sorted().joined(separator: ", ")))")
        }
        return SeccompArgument(
            index: UInt32(try unsigned(fields["index"]!, "\(path).index", max: 5)),
            op: op,
            value: try unsigned(fields["value"]!, "\(path).value"),
            valueTwo: try fields["valueTwo"].map { node throws(SandboxError) in try unsigned(node, "\(path).valueTwo") } ?? 0)
    }

    func condition(_ node: JSONNode?, _ path: String) throws(SandboxError) -> OCISeccompProfile.Condition {
        guard let node else { return .init() }
        let fields = try members(node, path, allowed: ["caps", "arches", "minKernel"])
        var result = OCISeccompProfile.Condition(caps: try strings(fields["caps"], "\(path).caps"),
                                                 arches: try strings(fields["arches"], "\(path).arches"))
        if let kernel = fields["minKernel"] {
            let text = try string(kernel, "\(path).minKernel")
            guard let version = KernelVersion(parsing: text) else {
                throw fail(kernel, "\(path).minKernel", "\"\(text)\" is not a kernel version like \"4.8\"")
            }
            result.minKernel = version
        }
        return result
    }
}
