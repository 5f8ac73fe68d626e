/// The rules every policy contains, whatever else it allows (a loaded policy may add rules,
/// never drop these).
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
    static let tiocsti: UInt64 = 0x5412
    static let tioclinux: UInt64 = 0x541C

    /// Syscalls whose `modeIndex` argument is a mode, always.
    static let modeCalls: [(String, UInt32)] = [
        ("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("fchmodat2", 2),
        ("creat", 1), ("mkdir", 1), ("mkdirat", 2), ("mknod", 1), ("mknodat", 2),
    ]
    /// Syscalls whose mode only counts when the flags create a file.
    static let openCalls: [(name: String, flagsIndex: UInt32, modeIndex: UInt32)] = [
        ("open", 1, 2), ("openat", 2, 3),
    ]

    public static var rules: [SeccompRule] {
        var rules: [SeccompRule] = []
        for bit in [setuid, setgid] {
            for (name, index) in modeCalls {
                rules.append(SeccompRule(syscall: name, action: .errno(eperm), args: [
                    SeccompArgument(index: index, op: .maskedEqual, value: bit, valueTwo: bit),
                ]))
            }
            for call in openCalls {
                for createFlag in [oCreat, oTmpfile] {
                    rules.append(SeccompRule(syscall: call.name, action: .errno(eperm), args: [
                        SeccompArgument(index: call.flagsIndex, op: .maskedEqual, value: createFlag, valueTwo: createFlag),
                        SeccompArgument(index: call.modeIndex, op: .maskedEqual, value: bit, valueTwo: bit),
                    ]))
                }
            }
        }
        // openat2 hides its mode in a struct seccomp cannot read: ENOSYS makes libc fall back
        // to openat, which the rules above see. io_uring can open files with any mode, out of
        // seccomp's sight.
        for name in ["openat2"] {
            rules.append(SeccompRule(syscall: name, action: .errno(enosys)))
        }
        for name in ["io_uring_setup", "io_uring_enter", "io_uring_register"] {
            rules.append(SeccompRule(syscall: name, action: .errno(eperm)))
        }
        // With --tty the command shares the caller's terminal as its controlling terminal:
        // TIOCSTI would type into the caller's shell after the run (bubblewrap
        // CVE-2017-5226), TIOCLINUX can paste on a virtual console. Compared on the low 32
        // bits only, as the kernel reads the request (flatpak CVE-2019-10063).
        for request in [tiocsti, tioclinux] {
            rules.append(SeccompRule(syscall: "ioctl", action: .errno(eperm), args: [
                SeccompArgument(index: 1, op: .maskedEqual, value: 0xFFFF_FFFF, valueTwo: request),
            ]))
        }
        return rules
    }

    public static var policy: SeccompPolicy {
        SeccompPolicy(defaultAction: .allow, rules: rules)
    }
}
