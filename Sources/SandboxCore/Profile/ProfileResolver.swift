/// Profile text as a source hands it over.
public struct ProfileText: Equatable, Sendable {
    /// How messages name it: the path as found, or "built-in strict".
    public var origin: String
    /// What makes two texts the same file, for cycle detection (a real path, "builtin:strict").
    public var identity: String
    public var bytes: [UInt8]

    public init(origin: String, identity: String, bytes: [UInt8]) {
        self.origin = origin
        self.identity = identity
        self.bytes = bytes
    }
}

/// A profile with `extends` resolved, and the files it came from, itself first.
public struct ResolvedProfile: Equatable, Sendable {
    public var profile: Profile
    /// Origins of the texts, itself first ("profiles/strict.toml", "built-in strict").
    public var chain: [String]
    /// Their identities (real paths, "builtin:NAME"), in the same order.
    public var identities: [String]
}

/// Resolves `extends`: the base's values first, then each file over it. Scalars override,
/// lists add (an entry with the same target replaces the base's), `*_remove` lists take
/// entries out and must name entries the base has. Cycles, missing bases and more than
/// `maxDepth` levels are errors. Pure: the caller's `lookup` finds bases.
public enum ProfileResolver {
    public static let maxDepth = 8

    /// `lookup(name, referrer)` finds the base `name` for the file `referrer`, or says why not.
    public static func resolve(
        name: String, text: ProfileText,
        lookup: (String, ProfileText) -> Result<ProfileText, ProfileProblem>
    ) -> Result<ResolvedProfile, ProfileProblems> {
        var texts = [text]
        var layers: [ProfileLayer] = []
        while true {
            let current = texts[texts.count - 1]
            let layer: ProfileLayer
            switch ProfileParser.parse(current.bytes, origin: current.origin) {
            case .success(let parsed): layer = parsed
            case .failure(let problems): return .failure(problems)
            }
            layers.append(layer)
            guard let base = layer.extends else { break }
            let line = layer.lines["extends"]
            if layers.count > maxDepth {
                let names = layers.map(\.origin).joined(separator: " -> ")
                return .failure(ProfileProblems([ProfileProblem(origin: current.origin, line: line, key: "extends",
                    message: "extends: more than \(maxDepth) levels of extends (\(names) -> \(base))")]))
            }
            switch lookup(base, current) {
            case .failure(var problem):
                problem.line = problem.line ?? line
                return .failure(ProfileProblems([problem]))
            case .success(let found):
                if texts.contains(where: { $0.identity == found.identity }) {
                    let names = (texts + [found]).map(\.origin).joined(separator: " -> ")
                    return .failure(ProfileProblems([ProfileProblem(origin: current.origin, line: line, key: "extends",
                        message: "extends: cycle (\(names))")]))
                }
                texts.append(found)
            }
        }
        return merge(name: name, layers: layers).map {
            ResolvedProfile(profile: $0, chain: texts.map(\.origin), identities: texts.map(\.identity))
        }
    }

    /// `layers` is the file itself first, its root base last.
    public static func merge(name: String, layers: [ProfileLayer]) -> Result<Profile, ProfileProblems> {
        var profile = Profile(name: name, description: "")
        var problems: [ProfileProblem] = []
        for (position, layer) in layers.reversed().enumerated() {
            let isRoot = position == 0
            for key in ProfileSchema.keys {
                switch key.kind {
                case .removals, .profileName: continue
                case .paths, .envPatterns, .capabilities, .binds, .tmpfs, .envMap, .syscalls:
                    let removePath = key.path + "_remove"
                    let adds = layer.values[key.path], removes = layer.values[removePath]
                    guard adds != nil || removes != nil else { continue }
                    if isRoot, let adds {
                        profile.set(key.path, adds)
                        continue
                    }
                    guard let current = profile.value(for: key.path) else { continue }
                    var missing: [String] = []
                    let merged = combine(current, adding: adds, removing: removes, missing: &missing)
                    for entry in missing {
                        problems.append(ProfileProblem(origin: layer.origin, line: layer.lines[removePath], key: removePath,
                            message: "\(removePath): \(TOMLText.quoted(entry)) is not in the base profile"))
                    }
                    profile.set(key.path, merged)
                default:
                    if let value = layer.values[key.path] { profile.set(key.path, value) }
                }
            }
        }
        return problems.isEmpty ? .success(profile) : .failure(ProfileProblems(problems))
    }

    /// Base list minus `removing`, plus `adding` (same entry or same target: replaced in place).
    static func combine(_ base: ProfileValue, adding: ProfileValue?, removing: ProfileValue?, missing: inout [String]) -> ProfileValue {
        var gone: [String] = []
        if case .strings(let names)? = removing { gone = names }
        func drop<T>(_ list: [T], _ id: (T) -> String) -> [T] {
            for name in gone where !list.contains(where: { id($0) == name }) { missing.append(name) }
            return list.filter { !gone.contains(id($0)) }
        }
        func add<T>(_ list: [T], _ extra: [T], _ id: (T) -> String) -> [T] {
            var out = list
            for item in extra {
                if let i = out.firstIndex(where: { id($0) == id(item) }) { out[i] = item } else { out.append(item) }
            }
            return out
        }
        switch base {
        case .strings(let list):
            var extra: [String] = []
            if case .strings(let e)? = adding { extra = e }
            return .strings(add(drop(list) { $0 }, extra) { $0 })
        case .binds(let list):
            var extra: [BindSpec] = []
            if case .binds(let e)? = adding { extra = e }
            return .binds(add(drop(list, \.target), extra, \.target))
        case .tmpfs(let list):
            var extra: [TmpfsSpec] = []
            if case .tmpfs(let e)? = adding { extra = e }
            return .tmpfs(add(drop(list, \.target), extra, \.target))
        case .map(let map):
            var out = map
            for name in gone {
                if out.removeValue(forKey: name) == nil { missing.append(name) }
            }
            if case .map(let extra)? = adding { out.merge(extra) { _, new in new } }
            return .map(out)
        default:
            return adding ?? base
        }
    }
}
