import Testing
@testable import SandboxCore

/// The built-in `default` and `strict` policies, read through `action(for:args:)`.
struct SeccompBuiltinPolicyTests {
    let strict = BuiltinSeccompPolicies.named("strict")!
    let standard = BuiltinSeccompPolicies.named("default")!
    static let eperm = SeccompAction.errno(1)

    /// What git, python3 (multiprocessing), node, gcc, make and swift build/test call that a
    /// careless allowlist forgets (seen with strace on this kind of host).
    static let toolchainCalls = [
        "rseq", "statx", "newfstatat", "faccessat2", "close_range", "pidfd_open", "pidfd_send_signal",
        "membarrier", "getrandom", "copy_file_range", "sched_getaffinity", "sched_setaffinity", "prlimit64",
        "madvise", "memfd_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "inotify_init1",
        "inotify_add_watch", "eventfd2", "timerfd_create", "timerfd_settime", "splice", "sendfile", "tee",
        "pipe2", "dup3", "fcntl", "flock", "getdents64", "readlinkat", "renameat2", "unlinkat", "linkat", "symlinkat",
        "utimensat", "fchownat", "ftruncate", "fallocate", "fsync", "fdatasync", "msync", "mremap", "mprotect",
        "futex", "set_robust_list", "set_tid_address", "rt_sigaction", "rt_sigprocmask", "sigaltstack", "wait4",
        "waitid", "execve", "vfork", "exit_group", "kill", "tgkill", "getcwd", "chdir", "uname", "sysinfo",
        "socketpair", "connect", "sendmsg", "recvmsg", "getsockopt", "setsockopt", "bind", "listen", "accept4",
        "shmget", "shmat", "semget", "semop", "mq_open", "pkey_alloc", "pkey_mprotect", "arch_prctl", "prctl",
        "getrusage", "clock_gettime", "clock_nanosleep", "nanosleep", "sched_yield", "getpid", "gettid",
        "umask", "ioctl", "lseek", "pread64", "pwrite64", "writev", "poll", "ppoll", "pselect6", "select",
        "capget", "getuid", "geteuid", "setsid", "setpgid", "getppid", "getpgrp", "mlock", "io_setup",
    ]

    @Test func toolchainCallsAreAllowedUnderStrict() {
        for name in Self.toolchainCalls {
            // Arguments that ordinary calls pass (ioctl TCGETS, a plain fd/flag set).
            let args: [UInt64] = name == "ioctl" ? [1, Sys.tcgets] : [0, 0, 0, 0]
            #expect(strict.action(for: name, args: args) == .allow, "\(name)")
        }
    }

    @Test func processCreationWorksWithoutNamespaces() {
        for policy in [strict, standard] {
            for flags in [Sys.forkFlags, Sys.threadFlags, Sys.spawnFlags, Sys.sigchld] {
                #expect(policy.action(for: "clone", args: [flags]) == .allow, "clone \(String(flags, radix: 16))")
            }
            for flag in [Sys.cloneNewUser, Sys.cloneNewNS, 0x2000_0000, 0x4000_0000, 0x0400_0000, 0x0800_0000, 0x0200_0000] as [UInt64] {
                #expect(policy.action(for: "clone", args: [Sys.forkFlags | flag]) == Self.eperm, "clone +\(String(flag, radix: 16))")
            }
            // clone3 hides its flags in memory: ENOSYS, so glibc falls back to clone.
            #expect(policy.action(for: "clone3") == .errno(38))
        }
    }

    /// Each class the issue names, with the answer a probe must see.
    static let strictDenials: [(String, [UInt64], SeccompAction)] = [
        ("unshare", [Sys.cloneNewUser], eperm), ("setns", [3, 0], eperm),
        ("mount", [], eperm), ("umount2", [], eperm), ("pivot_root", [], eperm), ("open_tree", [], eperm),
        ("move_mount", [], eperm), ("fsopen", [], eperm), ("fsconfig", [], eperm), ("fsmount", [], eperm),
        ("fspick", [], eperm), ("mount_setattr", [], eperm), ("bpf", [], eperm), ("keyctl", [], eperm),
        ("add_key", [], eperm), ("request_key", [], eperm), ("io_uring_setup", [], eperm), ("io_uring_enter", [], eperm),
        ("io_uring_register", [], eperm), ("userfaultfd", [], eperm), ("ptrace", [], eperm),
        ("process_vm_readv", [], eperm), ("process_vm_writev", [], eperm), ("perf_event_open", [], eperm),
        ("kexec_load", [], eperm), ("kexec_file_load", [], eperm), ("init_module", [], eperm),
        ("finit_module", [], eperm), ("delete_module", [], eperm),
        ("personality", [0x0040_0000], eperm), ("personality", [0x8], eperm), ("personality", [0x1_0000_0000], eperm),
        ("socket", [Sys.afVsock, 1, 0], .errno(97)), ("socket", [Sys.afAlg, 5, 0], .errno(97)),
        ("socket", [(1 << 32) | Sys.afAlg, 5, 0], .errno(97)), ("socket", [0xFFFF_FFFF_0000_0000 | Sys.afVsock, 1, 0], .errno(97)),
        ("ioctl", [0, Sys.tiocsti], eperm), ("ioctl", [0, Sys.tioclinux], eperm),
        ("ioctl", [0, (1 << 32) | Sys.tiocsti], eperm), ("ioctl", [0, 0xFFFF_FFFF_0000_0000 | Sys.tioclinux], eperm),
        ("clone3", [], .errno(38)), ("openat2", [], .errno(38)),
        ("chmod", [0, 0o4755], eperm), ("openat", [0, 0, Sys.oCreat, 0o2755], eperm),
    ]

    @Test func strictDeniesEveryNamedClass() {
        for (name, args, expected) in Self.strictDenials {
            #expect(strict.action(for: name, args: args) == expected, "\(name) \(args.map { String($0, radix: 16) })")
        }
    }

    @Test func strictStillAllowsWhatTheDenialsBorder() {
        #expect(strict.action(for: "personality", args: [0]) == .allow)
        #expect(strict.action(for: "personality", args: [0xffff_ffff]) == .allow)
        for family in [Sys.afUnix, Sys.afInet, Sys.afInet6, Sys.afNetlink, 39, 41, 45] {
            #expect(strict.action(for: "socket", args: [family, 1, 0]) == .allow, "family \(family)")
        }
        for request in [Sys.tcgets, Sys.tiocgwinsz, Sys.fionread, 0x5411, 0x5413, 0x541D, 0x5421, 0x4004_6611, 0x8008_6610] as [UInt64] {
            #expect(strict.action(for: "ioctl", args: [0, request]) == .allow, "ioctl \(String(request, radix: 16))")
        }
    }

    @Test func defaultIsDockerLike() {
        // What strict removes and Docker's default allows on a current kernel.
        for name in ["ptrace", "process_vm_readv", "modify_ldt"] {
            #expect(standard.action(for: name) == .allow, "\(name)")
        }
        #expect(standard.action(for: "ioctl", args: [0, Sys.tiocsti]) == .allow)
        #expect(standard.action(for: "personality", args: [0x8]) == .allow)
        // What Docker denies without capabilities.
        for name in ["mount", "unshare", "setns", "bpf", "keyctl", "kexec_load", "init_module", "perf_event_open",
                     "userfaultfd", "io_uring_setup", "chroot", "open_by_handle_at", "reboot", "swapon", "settimeofday"] {
            #expect(standard.action(for: name) == Self.eperm, "\(name)")
        }
        #expect(standard.action(for: "socket", args: [Sys.afAlg, 5, 0]) == .errno(97))
    }

    @Test func denialsAreNamedErrnoOrKillOrTheDefault() {
        for policy in [strict, standard] {
            #expect(policy.defaultAction == Self.eperm)
            #expect(policy.badArchAction == .killProcess)
            for rule in policy.rules {
                switch rule.action {
                case .allow, .errno, .killProcess: break
                default: Issue.record("\(rule.syscall): \(rule.action) is neither an errno nor kill-process")
                }
            }
        }
    }

    @Test func builtinsAreInTheShapeLibseccompCompiles() {
        for name in BuiltinSeccompPolicies.names {
            let policy = BuiltinSeccompPolicies.named(name)!
            #expect(policy.normalized().policy == policy, "\(name)")
            #expect(policy.structuralProblems().isEmpty, "\(name)")
            // Overlapping rules with different actions would leave the choice to libseccomp.
            for rule in policy.rules where !rule.args.isEmpty {
                let others = policy.rules(for: rule.syscall).filter { $0.action != rule.action && !$0.args.isEmpty }
                #expect(others.isEmpty || rule.syscall == "socket" || BaselineGuards.guardedSyscalls.contains(rule.syscall), "\(name): \(rule.syscall)")
            }
        }
        // socket: the EAFNOSUPPORT rules and the allow patterns never match the same value.
        for family: UInt64 in [0, 1, 2, 10, 16, 38, 39, 40, 41, 0x1_0000_0026, 0x1_0000_0002] {
            #expect(strict.matchingActions(for: "socket", args: [family]).count == 1, "family \(String(family, radix: 16))")
        }
    }

    @Test func unknownNamesAreNotBuiltins() {
        #expect(BuiltinSeccompPolicies.named("docker-default") == nil)
        #expect(BuiltinSeccompPolicies.named("baseline") == BaselineGuards.policy)
    }

    /// `default` never allows what Docker's default denies (without capabilities), except
    /// the calls listed here with the reason.
    @Test(.enabled(if: SeccompFixtures.dockerDefault != nil, "Docker's default profile is not at \(SeccompFixtures.dockerDefaultPath)"))
    func defaultAllowsNothingDockerDenies() throws {
        let bytes = try #require(SeccompFixtures.dockerDefault)
        let docker = try OCISeccompProfile.parse(bytes, source: "d.json").resolve(.init(kernel: SeccompFixtures.kernel)).policy
        let folded = BaselineGuards.fold(into: docker).policy
        for rule in standard.rules where rule.action == .allow {
            let values: [UInt64] = rule.args.map { $0.op == .maskedEqual ? $0.valueTwo : $0.value }
            var args = [UInt64](repeating: 0, count: 6)
            for (arg, value) in zip(rule.args, values) { args[Int(arg.index)] = value }
            #expect(folded.action(for: rule.syscall, args: args).permits, "default allows \(rule.syscall) \(args.prefix(4)); Docker does not")
        }
    }
}
