/// The rules every policy contains, whatever else it allows (a loaded policy may add rules,
/// never drop these). `fold(into:)` (BaselineGuards+Fold.swift) writes them into a policy.
///
/// Setuid/setgid bits: with a root-owned worktree the idmapped mount writes the command's
/// files as root on disk, so `chmod u+s` inside would leave a setuid-root binary for the
/// host. The `nosuid` mount flag only protects execution *inside*; these rules stop the bit
/// from being set at all, through every call that takes a mode.
public enum BaselineGuards {
    static let setuid: UInt64 = 0o4000
    static let setgid: UInt64 = 0o2000
    static let oCreat: UInt64 = 0o100
    static let oTmpfile: UInt64 = 0o20000000  // __O_TMPFILE without O_DIRECTORY
    static let eperm: Int32 = 1
    static let enosys: Int32 = 38

    /// Syscalls whose `modeIndex` argument is a mode, always.
    static let modeCalls: [(String, UInt32)] = [
        ("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("fchmodat2", 2),
        ("creat", 1), ("mkdir", 1), ("mkdirat", 2), ("mknod", 1), ("mknodat", 2),
    ]
    /// Syscalls whose mode only counts when the flags create a file.
    static let openCalls: [(name: String, flagsIndex: UInt32, modeIndex: UInt32)] = [
        ("open", 1, 2), ("openat", 2, 3),
    ]
    /// openat2 hides its mode in a struct seccomp cannot read: ENOSYS makes libc fall back
    /// to openat, which the mode rules see.
    static let fallbackCalls = ["openat2"]
    /// io_uring can open files with any mode (and make most other calls) out of seccomp's sight.
    static let refusedCalls = ["io_uring_setup", "io_uring_enter", "io_uring_register"]

    /// Every syscall the guards speak about.
    public static var guardedSyscalls: [String] {
        modeCalls.map(\.0) + openCalls.map(\.name) + fallbackCalls + refusedCalls
    }

    /// When a mode-taking call is harmless, as alternatives of conditions that must all
    /// hold ("no setuid/setgid bit in the mode", or for open "the flags do not create").
    /// The form a default-deny policy allows.
    static func harmlessWhen(_ syscall: String) -> [[SeccompArgument]]? {
        let cleanMode = { (index: UInt32) in
            SeccompArgument(index: index, op: .maskedEqual, value: setuid | setgid, valueTwo: 0)
        }
        if let (_, index) = modeCalls.first(where: { $0.0 == syscall }) {
            return [[cleanMode(index)]]
        }
        if let call = openCalls.first(where: { $0.name == syscall }) {
            return [
                [SeccompArgument(index: call.flagsIndex, op: .maskedEqual, value: oCreat | oTmpfile, valueTwo: 0)],
                [cleanMode(call.modeIndex)],
            ]
        }
        return nil
    }

    /// When a mode-taking call is refused: the complement of `harmlessWhen`, one rule per
    /// bit (and per creating flag), since a rule can compare an argument only once. The
    /// form a default-allow policy denies.
    static func harmfulWhen(_ syscall: String) -> [[SeccompArgument]] {
        var result: [[SeccompArgument]] = []
        for bit in [setuid, setgid] {
            if let (_, index) = modeCalls.first(where: { $0.0 == syscall }) {
                result.append([SeccompArgument(index: index, op: .maskedEqual, value: bit, valueTwo: bit)])
            }
            if let call = openCalls.first(where: { $0.name == syscall }) {
                for createFlag in [oCreat, oTmpfile] {
                    result.append([
                        SeccompArgument(index: call.flagsIndex, op: .maskedEqual, value: createFlag, valueTwo: createFlag),
                        SeccompArgument(index: call.modeIndex, op: .maskedEqual, value: bit, valueTwo: bit),
                    ])
                }
            }
        }
        return result
    }

    /// The guards alone, for a default-allow policy ("baseline").
    public static var rules: [SeccompRule] {
        fold(into: SeccompPolicy(defaultAction: .allow, rules: [])).policy.rules
    }

    public static var policy: SeccompPolicy {
        SeccompPolicy(defaultAction: .allow, rules: rules)
    }
}
