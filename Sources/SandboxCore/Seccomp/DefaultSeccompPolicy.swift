/// The built-in `default` policy: what Docker's default profile means, written here as
/// this project's own data, grouped by purpose. Default action EPERM ("Operation not
/// permitted" is what programs already handle for a missing privilege); an allowlist of
/// what ordinary programs call; a few calls allowed only with safe arguments.
///
/// Deliberately absent (denied by the default action): everything Docker grants only with
/// a capability this runner never keeps (mount family, namespaces, modules, kexec, bpf,
/// perf, clock setting, reboot, swap, quotas, chroot, open_by_handle_at, NUMA policy), the
/// kernel keyring, userfaultfd and io_uring (as Docker), and the obsolete calls nothing
/// current makes (uselib, sysfs, ustat, _sysctl, nfsservctl, vm86, lookup_dcookie).
public enum DefaultSeccompPolicy {
    static let eperm: Int32 = 1
    static let enosys: Int32 = 38
    static let eafnosupport: Int32 = 97

    // MARK: - Allowed unconditionally, by purpose

    /// Starting, running and ending processes and threads. clone and clone3 are below.
    static let processes = [
        "execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4", "waitid",
        "getpid", "getppid", "gettid", "getpgid", "getpgrp", "getsid", "setsid", "setpgid",
        "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "restart_syscall",
        "arch_prctl", "prctl", "seccomp",  // seccomp can only add restrictions
        "uname", "sysinfo", "getrusage", "times", "getcpu",
        "prlimit64", "getrlimit", "setrlimit", "getpriority", "setpriority",
        "ioprio_get", "ioprio_set", "pidfd_open", "pidfd_send_signal",
        "set_thread_area", "get_thread_area",
    ]

    /// Scheduling and CPU placement (nproc, thread pools, build tools read the affinity).
    static let scheduling = [
        "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
        "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
        "sched_rr_get_interval", "sched_getattr", "sched_setattr",
    ]

    /// Ids: reading them, and changing them inside the user namespace (su-like tools in a
    /// build; without capabilities the kernel refuses anything beyond the process's own ids).
    static let credentials = [
        "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
        "setfsuid", "setfsgid", "capget", "capset",
    ]

    static let signals = [
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigsuspend",
        "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack",
        "kill", "tkill", "tgkill", "pause", "alarm", "signalfd", "signalfd4",
    ]

    /// Memory: allocators, JITs (V8 uses protection keys), shared memory for multiprocessing.
    static let memory = [
        "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "msync",
        "mlock", "mlock2", "munlock", "mlockall", "munlockall", "remap_file_pages",
        "memfd_create", "membarrier", "pkey_alloc", "pkey_free", "pkey_mprotect",
        "futex", "futex_waitv", "process_mrelease",
    ]

    /// Reading and writing file descriptors.
    static let fileIO = [
        "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
        "lseek", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "flock",
        "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "fallocate", "fadvise64", "readahead",
        "sendfile", "splice", "tee", "vmsplice", "copy_file_range", "pipe", "pipe2", "ioctl",
        "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
    ]

    /// Paths: lookup, metadata, directories, links. The mode-taking calls are narrowed by
    /// the baseline guards when the policy is folded.
    static let paths = [
        "open", "openat", "openat2", "creat", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
        "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
        "getcwd", "chdir", "fchdir", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
        "link", "linkat", "unlink", "unlinkat", "symlink", "symlinkat", "mknod", "mknodat",
        "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "umask",
        "truncate", "ftruncate", "utime", "utimes", "utimensat", "futimesat",
        "getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
        "listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr", "fremovexattr",
        "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
        "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
        "name_to_handle_at",  // harmless without open_by_handle_at, which stays denied
    ]

    /// Waiting for things: poll/epoll, eventfd, timers, clocks.
    static let eventsAndTime = [
        "select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl",
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2",
        "timerfd_create", "timerfd_settime", "timerfd_gettime",
        "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
        "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
        "getitimer", "setitimer", "getrandom",
        "adjtimex", "clock_adjtime",  // read the clock's state; setting it needs CAP_SYS_TIME
    ]

    /// Sockets once created (creation is filtered by family below). The sandbox's network
    /// namespace decides what they can reach.
    static let sockets = [
        "socketpair", "bind", "listen", "accept", "accept4", "connect", "shutdown",
        "getsockname", "getpeername", "getsockopt", "setsockopt",
        "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
    ]

    /// System V and POSIX IPC, inside the sandbox's own IPC namespace.
    static let ipc = [
        "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl",
        "shmget", "shmat", "shmdt", "shmctl",
        "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    ]

    /// Debugging and inspecting one's own children: Docker allows these on kernels >= 4.8,
    /// where ptrace can no longer be used to bypass seccomp. `strict` removes them.
    static let debugging = ["ptrace", "process_vm_readv", "process_vm_writev"]

    /// Old x86 calls Docker keeps for Wine and 16-bit code; `strict` removes it.
    static let legacyX86 = ["modify_ldt"]

    static var allowedUnconditionally: [String] {
        processes + scheduling + credentials + signals + memory + fileIO + paths + eventsAndTime
            + sockets + ipc + debugging + legacyX86
    }

    // MARK: - Allowed with argument checks

    /// clone flags that create namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
    /// NEWPID, NEWNET). CLONE_NEWTIME (0x80) is not here: in clone() that bit is part of the
    /// exit signal, only clone3 and unshare can ask for a time namespace.
    public static let cloneNamespaceFlags: UInt64 = 0x0002_0000 | 0x0200_0000 | 0x0400_0000
        | 0x0800_0000 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000

    /// clone without namespace flags (x86_64: flags are argument 0). clone3 passes its flags
    /// in a struct seccomp cannot read, so it gets ENOSYS and glibc (2.34+) falls back to clone.
    static var cloning: [SeccompRule] {
        [
            SeccompRule(syscall: "clone", action: .allow,
                        args: [SeccompArgument(index: 0, op: .maskedEqual, value: cloneNamespaceFlags, valueTwo: 0)]),
            SeccompRule(syscall: "clone3", action: .errno(enosys)),
        ]
    }

    /// personality: the values Docker accepts: PER_LINUX, PER_LINUX32, UNAME26, both, and
    /// the query 0xffffffff. Compared for equality on all 64 bits: a value with the upper
    /// half set matches none of them and is denied.
    static let personalityValues: [UInt64] = [0x0, 0x8, 0x2_0000, 0x2_0008, 0xffff_ffff]

    static func personality(_ values: [UInt64]) -> [SeccompRule] {
        values.map { SeccompRule(syscall: "personality", action: .allow, args: [SeccompArgument(index: 0, op: .equal, value: $0)]) }
    }

    /// Socket families refused: AF_ALG (38, the kernel crypto API, a history of bugs) and
    /// AF_VSOCK (40, host-guest sockets). They get EAFNOSUPPORT, what a kernel without the
    /// family answers, so programs that probe them fall back quietly. Everything else is
    /// allowed, comparing only the low 32 bits as the kernel does (`int family`).
    public static let refusedSocketFamilies: [UInt32] = [38, 40]

    static var socketCreation: [SeccompRule] {
        LowBitsComplement.allowRules("socket", index: 0, excluding: Set(refusedSocketFamilies))
            + refusedSocketFamilies.map {
                SeccompRule(syscall: "socket", action: .errno(eafnosupport),
                            args: [SeccompArgument(index: 0, op: .maskedEqual, value: 0xffff_ffff, valueTwo: UInt64($0))])
            }
    }

    // MARK: - The policy

    /// Before the baseline guards are folded in (see `BuiltinSeccompPolicies`).
    static var unfolded: SeccompPolicy {
        SeccompPolicy(
            defaultAction: .errno(eperm),
            rules: allowedUnconditionally.map { SeccompRule(syscall: $0, action: .allow) }
                + cloning + personality(personalityValues) + socketCreation,
            badArchAction: .killProcess)
    }
}
