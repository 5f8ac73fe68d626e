/// The built-in `strict` policy: `default` minus every way out of the sandbox's walls
/// that an ordinary toolchain (git, python3 with multiprocessing, node, gcc, make,
/// swift build/test) does not need. Denials use the default action (EPERM) unless a
/// different errno makes programs fall back (clone3: ENOSYS; socket: EAFNOSUPPORT).
public enum StrictSeccompPolicy {
    /// Calls `default` may allow and `strict` never does, by reason. Listed even where
    /// `default` already omits them, so a change to `default` cannot leak into `strict`.
    static let removed: [(reason: String, syscalls: [String])] = [
        ("namespaces: a new user namespace gives back every capability inside it",
         ["unshare", "setns"]),
        ("the mount family: reshaping the file system view",
         ["mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig",
          "fsmount", "fspick", "mount_setattr", "chroot"]),
        ("kernel attack surface with a long CVE history and no use in a build",
         ["bpf", "userfaultfd", "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register"]),
        ("the kernel keyring: shared across the host, not namespaced",
         ["keyctl", "add_key", "request_key"]),
        ("reading and writing other processes' memory",
         ["ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise"]),
        ("replacing the kernel and loading modules",
         ["kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module"]),
        ("16-bit segments (Wine); a source of kernel bugs",
         ["modify_ldt"]),
    ]

    /// personality: only PER_LINUX and the query. Other personalities change how the
    /// kernel reads addresses and syscalls (READ_IMPLIES_EXEC, ADDR_LIMIT_32BIT, ...).
    static let personalityValues: [UInt64] = [0x0, 0xffff_ffff]

    /// TIOCSTI pushes characters into a terminal's input queue (typing commands into the
    /// caller's shell); TIOCLINUX can read and paste the console selection. Compared on the
    /// low 32 bits, as the kernel does (`unsigned int cmd`): CVE-2019-10063.
    public static let refusedIoctls: [UInt32] = [0x5412, 0x541C]

    static var unfolded: SeccompPolicy {
        var policy = DefaultSeccompPolicy.unfolded
        let removedNames = Set(removed.flatMap(\.syscalls))
        policy.rules.removeAll { removedNames.contains($0.syscall) || $0.syscall == "personality" || $0.syscall == "ioctl" }
        // clone keeps the rule from `default` (no namespace flags); clone3 keeps ENOSYS.
        policy.rules += DefaultSeccompPolicy.personality(personalityValues)
        // Denied requests fall to the default action (EPERM): an explicit EPERM rule would
        // equal the default action, which libseccomp refuses.
        policy.rules += LowBitsComplement.allowRules("ioctl", index: 1, excluding: Set(refusedIoctls))
        policy.badArchAction = .killProcess
        return policy
    }
}
