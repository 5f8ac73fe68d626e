/// Turning a parsed OCI/Docker profile into a `SeccompPolicy` for this machine, as Docker
/// does (moby's setupSeccomp): an entry is skipped when an `excludes` condition holds (its
/// arch is ours, the profile keeps one of its caps, the kernel is at least its minKernel)
/// or an `includes` condition fails (our arch is not listed, a listed cap is not kept, the
/// kernel is older than minKernel).
extension OCISeccompProfile {
    public func resolve(_ context: SeccompResolveContext) -> (policy: SeccompPolicy, warnings: [String]) {
        var warnings = self.warnings
        let nonNative = architectures.filter { $0 != SeccompResolveContext.nativeSeccompArch }
        if !architectures.isEmpty, !architectures.contains(SeccompResolveContext.nativeSeccompArch) {
            warnings.append("the policy does not list SCMP_ARCH_X86_64; its rules are applied to x86_64 anyway")
        }
        if !nonNative.isEmpty {
            warnings.append("architectures \(Array(Set(nonNative)).sorted().joined(separator: ", ")) are not filtered: calls through another ABI kill the process")
        }
        if context.kernel == nil, syscalls.contains(where: { $0.includes.minKernel != nil || $0.excludes.minKernel != nil }) {
            warnings.append("the kernel version is unknown: entries that need a minimum kernel are skipped, and minKernel exclusions do not apply")
        }
        var rules: [SeccompRule] = []
        for entry in syscalls where applies(entry, context) {
            rules += entry.names.map { SeccompRule(syscall: $0, action: entry.action, args: entry.args) }
        }
        let (policy, notes) = SeccompPolicy(defaultAction: defaultAction, rules: rules, badArchAction: .killProcess).normalized()
        return (policy, warnings + notes)
    }

    func applies(_ entry: Entry, _ context: SeccompResolveContext) -> Bool {
        let native = SeccompResolveContext.nativeArchNames
        let caps = { (names: [String]) in names.map(SeccompResolveContext.capabilityName) }
        let ex = entry.excludes, inc = entry.includes
        if ex.arches.contains(where: native.contains) { return false }
        if caps(ex.caps).contains(where: context.capabilities.contains) { return false }
        if let min = ex.minKernel, let kernel = context.kernel, kernel >= min { return false }
        if !inc.arches.isEmpty, !inc.arches.contains(where: native.contains) { return false }
        if !caps(inc.caps).allSatisfy(context.capabilities.contains) { return false }
        if let min = inc.minKernel {
            guard let kernel = context.kernel, kernel >= min else { return false }
        }
        return true
    }

    /// Parse, resolve for this machine, fold the baseline guards in: what a profile's
    /// `policy = "PATH.json"` runs with. Warnings are for `sandbox profile check`.
    /// Syscall names libseccomp does not know are left for the compiler to skip (it alone
    /// knows the table), as Docker skips them.
    public static func load(_ bytes: [UInt8], source: String, context: SeccompResolveContext) throws(SandboxError) -> (policy: SeccompPolicy, warnings: [String]) {
        let (resolved, warnings) = try parse(bytes, source: source).resolve(context)
        let (folded, notes) = BaselineGuards.fold(into: resolved)
        return (folded, (warnings + notes).map { "\(source): \($0)" })
    }
}
