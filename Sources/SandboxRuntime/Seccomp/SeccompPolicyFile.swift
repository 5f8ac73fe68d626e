#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Reads the OCI/Docker JSON policy a profile names. Like the profile itself, it is part of
/// the contract a worker must not be able to rewrite: never from inside the worktree or a
/// path the sandbox can write.
public enum SeccompPolicyFile {
    public static let sizeLimit = 1 << 20

    /// nil when `policy` names a built-in.
    public static func read(_ policy: String, worktree: String, writable: [String]) throws(SandboxError) -> [UInt8]? {
        guard !BuiltinSeccompPolicies.names.contains(policy) else { return nil }
        let real = try FileSystem.realPath(policy, stage: .profile)
        for root in [worktree] + writable {
            let base = (try? FileSystem.realPath(root, stage: .profile)) ?? root
            if real == base || real.hasPrefix(base == "/" ? "/" : base + "/") {
                throw SandboxError(.profile, "seccomp policy `\(real)` is inside `\(base)`, which the sandbox can write; refusing")
            }
        }
        return try FileSystem.read(real, limit: sizeLimit, stage: .profile)
    }
}
