#if canImport(Glibc)
import Glibc
#endif
import CCap
import SandboxCore

/// Capability names from a profile (`[capabilities] keep`) as the bit mask the child keeps,
/// checked with libcap against this system's list. Kept capabilities are the user
/// namespace's, never the host's: they act only on what the sandbox owns.
public enum CapabilityNames {
    public static func mask(_ names: [String]) throws(SandboxError) -> UInt64 {
        var mask: UInt64 = 0
        for name in names {
            var value = cap_value_t()
            guard cap_from_name(name.lowercased(), &value) == 0, value >= 0, value < 64 else {
                throw SandboxError(.profile, "capabilities.keep: unknown capability \"\(name)\" on this system")
            }
            mask |= 1 << UInt64(value)
        }
        return mask
    }
}
