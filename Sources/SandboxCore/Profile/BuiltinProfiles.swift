/// Profiles compiled into the binary.
public enum BuiltinProfiles {
    public static let strict = Profile(
        name: "strict",
        description: "No network, the worktree read-write and nothing else writable, toolchains read-only.",
        filesystem: FilesystemSettings(readOnly: ["/usr", "/etc", "/opt"])
    )

    public static let all: [Profile] = [strict]

    public static func named(_ name: String) -> Profile? {
        all.first { $0.name == name }
    }
}
