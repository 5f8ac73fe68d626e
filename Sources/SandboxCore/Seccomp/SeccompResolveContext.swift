/// What Docker's `includes`/`excludes` conditions are decided against: the capabilities
/// the profile keeps (default none), and the running kernel. The architecture is always
/// this build's: x86_64 (Docker spells it "amd64").
public struct SeccompResolveContext: Equatable, Sendable {
    public var capabilities: Set<String>
    public var kernel: KernelVersion?

    public init(capabilities: [String] = [], kernel: KernelVersion? = nil) {
        self.capabilities = Set(capabilities.map(Self.capabilityName))
        self.kernel = kernel
    }

    /// "sys_admin", "SYS_ADMIN" and "CAP_SYS_ADMIN" are one capability.
    public static func capabilityName(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }

    /// The names this architecture goes by in `arches` lists.
    public static let nativeArchNames: Set<String> = ["amd64", "x86_64", "SCMP_ARCH_X86_64"]
    public static let nativeSeccompArch = "SCMP_ARCH_X86_64"
}

/// A kernel release as Docker's `minKernel` compares it: major and minor only.
public struct KernelVersion: Comparable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// "6.18", "4.8.0", "6.18.44-fc-v669" (uname -r); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let major = Int(parts[0]), major >= 0 else { return nil }
        let minorDigits = parts[1].prefix { $0.isASCII && $0.isNumber }
        guard !minorDigits.isEmpty, let minor = Int(minorDigits) else { return nil }
        self.init(major: major, minor: minor)
    }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }

    public var description: String { "\(major).\(minor)" }
}
