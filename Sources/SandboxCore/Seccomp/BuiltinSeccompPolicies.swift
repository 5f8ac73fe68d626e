/// The policies a profile names with `[seccomp] policy = "..."`; anything else is a path
/// to an OCI/Docker JSON file (`OCISeccompProfile`). Every one has the baseline guards
/// folded in.
public enum BuiltinSeccompPolicies {
    public static let names = ["baseline", "default", "strict"]

    public static func named(_ name: String) -> SeccompPolicy? {
        switch name {
        // Only the guards, everything else allowed: the first version's behaviour.
        case "baseline": BaselineGuards.policy
        case "default": BaselineGuards.fold(into: DefaultSeccompPolicy.unfolded).policy
        case "strict": BaselineGuards.fold(into: StrictSeccompPolicy.unfolded).policy
        default: nil
        }
    }
}
