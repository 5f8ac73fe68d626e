/// The policies a profile names with `[seccomp] policy = "..."`; anything else is a path
/// to an OCI/Docker JSON file (`OCISeccompProfile`). Every one has the baseline guards
/// folded in.
public enum BuiltinSeccompPolicies {
    public static let names = ["baseline", "default", "strict"]

    /// `default` and `strict` come from their precomputed text (`BuiltinSeccompPolicyTexts`,
    /// generated from `folded` and kept equal to it by a test), not folded at every run.
    public static func named(_ name: String) -> SeccompPolicy? {
        switch name {
        case "default": SeccompPolicy(canonicalText: BuiltinSeccompPolicyTexts.defaultPolicy) ?? folded(name)
        case "strict": SeccompPolicy(canonicalText: BuiltinSeccompPolicyTexts.strict) ?? folded(name)
        default: folded(name)
        }
    }

    /// The policies as the code defines them: the guards folded into each, normalised.
    public static func folded(_ name: String) -> SeccompPolicy? {
        switch name {
        // Only the guards, everything else allowed: the first version's behaviour.
        case "baseline": BaselineGuards.policy
        case "default": BaselineGuards.fold(into: DefaultSeccompPolicy.unfolded).policy
        case "strict": BaselineGuards.fold(into: StrictSeccompPolicy.unfolded).policy
        default: nil
        }
    }
}
