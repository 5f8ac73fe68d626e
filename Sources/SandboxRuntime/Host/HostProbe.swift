#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Gathers `HostFacts` once per command; the planner gets them as a value.
public enum HostProbe {
    /// `cgroups`: the driver the run will use; its `info` tells the planner what can be enforced.
    public static func facts(cgroups: (any CgroupDriver)? = nil) -> HostFacts {
        var limit = rlimit()
        let hardFiles = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 ? UInt64(limit.rlim_max) : 1024
        return HostFacts(
            uid: getuid(), gid: getgid(), callerEnvironment: environment(),
            rootEntries: rootEntries(), openFilesHardLimit: hardFiles, kernelRelease: kernelRelease(),
            cgroup: cgroups?.info ?? .unavailable)
    }

    public static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }

    static func kernelRelease() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "" }
        return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Merged-usr names at the top of the host's root: symlink text, or "" for a directory.
    static func rootEntries() -> [String: String] {
        var result: [String: String] = [:]
        for name in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
            guard let st = FileSystem.lstatInfo("/" + name) else { continue }
            if FileSystem.isSymlink(st) {
                if let link = FileSystem.readLink("/" + name) { result[name] = link }
            } else if FileSystem.isDirectory(st) {
                result[name] = ""
            }
        }
        return result
    }
}
