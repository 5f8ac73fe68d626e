/// Profiles compiled into the binary. Their text is generated from profiles/*.toml
/// (scripts/generate-builtin-profiles.sh) and parsed exactly like a file, so a built-in
/// and the file it came from can never mean different things.
public enum BuiltinProfiles {
    /// What `sandbox run` uses when no --profile is given.
    public static let defaultName = "strict"

    public static var names: [String] { texts.map(\.name) }

    /// The text of a built-in profile, as the resolver takes it.
    public static func text(named name: String) -> ProfileText? {
        guard let entry = texts.first(where: { $0.name == name }) else { return nil }
        return ProfileText(origin: "built-in \(name)", identity: "builtin:\(name)", bytes: Array(entry.text.utf8))
    }

    /// The built-in strict profile, parsed from its embedded text. Tests keep every built-in
    /// valid; should that ever fail, this is the schema's defaults (the same strict
    /// settings), never something looser.
    public static var strict: Profile {
        named(defaultName) ?? Profile(name: defaultName, description: "strict (defaults)")
    }

    /// Every built-in that parses, in name order.
    public static var all: [Profile] { names.compactMap(named) }

    /// A built-in profile by name, nil when there is none. Callers that take `--profile`
    /// should use the runtime's `ProfileLoader`, which also searches files.
    public static func named(_ name: String) -> Profile? {
        try? load(name).get().profile
    }

    /// Parses and resolves a built-in profile; a built-in extends only built-ins.
    public static func load(_ name: String) -> Result<ResolvedProfile, ProfileProblems> {
        guard let text = text(named: name) else {
            return .failure(ProfileProblems([ProfileProblem(origin: "built-in", line: nil, message: "no built-in profile named \(TOMLText.quoted(name))")]))
        }
        return ProfileResolver.resolve(name: name, text: text) { base, _ in
            guard let found = Self.text(named: base) else {
                return .failure(ProfileProblem(origin: text.origin, line: nil, key: "extends", message: "extends: no built-in profile named \(TOMLText.quoted(base))"))
            }
            return .success(found)
        }
    }
}
