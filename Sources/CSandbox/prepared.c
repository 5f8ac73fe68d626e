// Network and IPC namespaces made ahead of time, by a helper process, while the Swift parent
// resolves the worker, the profile and the plan on the main thread.
//
// Why: a new network namespace is the most expensive part of clone3 here (sysctl tables,
// the loopback device and its kobjects: ~0.5 ms of the 0.7 ms clone), and bringing `lo` up
// waits for an expedited RCU grace period. Planning is CPU-bound Swift, so on a second core
// both run side by side instead of one after the other.
//
// The namespaces belong to the initial user namespace (the runner is root), not to the
// sandbox's: the command has no capability over them, so it can neither reconfigure `lo` nor
// write /proc/sys/net (stricter than a namespace of its own, where its root could). The
// helper makes them and exits; only the descriptors keep them alive.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
    pid_t helper;  // the helper process, until it is reaped
    int net_fd;    // descriptors reserved for the namespaces: the helper puts them there
    int ipc_fd;
    int elsewhere; // 1: the helper runs on `cpus`, the caller's but the runner's (cpus.c)
    cpu_set_t cpus;
} prepared = { .helper = 0, .net_fd = -1, .ipc_fd = -1 };

// Puts the namespace at `path` on descriptor `fd` (shared with the runner).
static int place(const char *path, int fd) {
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) return -1;
    int rc = dup3(ns, fd, O_CLOEXEC);
    int err = errno;
    close(ns);
    errno = err;
    return rc < 0 ? -1 : 0;
}

// The helper: a copy of this process that shares only its descriptor table (CLONE_FILES),
// so the namespaces it opens are the runner's descriptors. A process, not a thread: while a
// thread of ours ran on the other CPU, every page the main thread wrote for the first time
// (the Swift runtime and the profile loader write hundreds) needed a TLB shootdown there, an
// inter-processor interrupt: 0.7 ms per run in perf profiles here. Plain syscalls only.
static _Noreturn void helper_main(void) {
    // Scheduled before the runner, on its CPU, it made the runner wait (0.6-0.9 ms in a
    // third of the runs).
    if (prepared.elsewhere) sched_setaffinity(0, sizeof prepared.cpus, &prepared.cpus);
    int err = 0;
    if (unshare(CLONE_NEWNET | CLONE_NEWIPC) < 0 || sbx_loopback_up() < 0 ||
        place("/proc/self/ns/net", prepared.net_fd) < 0 || place("/proc/self/ns/ipc", prepared.ipc_fd) < 0)
        err = errno > 0 && errno < 256 ? errno : EIO;
    _exit(err);
}

// `sandbox run` as root starts the helper before main, from the loader's initialisers, the
// first of them (priority 101: fewer pages are written before the fork, so fewer are copied
// after it): the Swift runtime's own start-up (~0.3 ms) then overlaps it too. glibc passes
// argc, argv and envp to ELF constructors. SANDBOX_NO_PREPARED_NAMESPACES=1 keeps to clone3.
// A caller that ignores SIGCHLD may have the kernel reap the helper unasked: `take` then gets
// ECHILD and the child's clone3 makes the namespaces instead.
__attribute__((constructor(101))) static void start_for_run(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 1 && argv && argv[1] && strcmp(argv[1], "run") == 0 && geteuid() == 0 &&
        !getenv("SANDBOX_NO_PREPARED_NAMESPACES"))
        sbx_prepare_namespaces_start();
}

static void release_reserved(void) {
    if (prepared.net_fd >= 0) close(prepared.net_fd);
    if (prepared.ipc_fd >= 0) close(prepared.ipc_fd);
    prepared.net_fd = prepared.ipc_fd = -1;
}

int sbx_prepare_namespaces_start(void) {
    if (prepared.helper > 0) return 0;
    prepared.net_fd = open("/", O_PATH | O_CLOEXEC);
    prepared.ipc_fd = prepared.net_fd < 0 ? -1 : fcntl(prepared.net_fd, F_DUPFD_CLOEXEC, 0);
    if (prepared.ipc_fd < 0) {
        int err = errno;
        release_reserved();
        return -err;
    }
    // On another CPU than the busy main thread's (cpus.c): set from both sides, as either
    // may run first.
    cpu_set_t caller;
    prepared.elsewhere = sbx_cpus_elsewhere(&caller, &prepared.cpus);
    long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0) helper_main();
    if (pid < 0) {
        int err = errno;
        release_reserved();
        return -err;
    }
    prepared.helper = (pid_t)pid;
    if (prepared.elsewhere) sched_setaffinity(prepared.helper, sizeof prepared.cpus, &prepared.cpus);
    return 0;
}

int sbx_prepare_namespaces_take(int *net_fd, int *ipc_fd) {
    *net_fd = -1;
    *ipc_fd = -1;
    if (prepared.helper <= 0) return -ENOENT;
    int status = 0;
    pid_t got;
    do { got = waitpid(prepared.helper, &status, 0); } while (got < 0 && errno == EINTR);
    prepared.helper = 0;
    int err = got < 0 ? errno : !WIFEXITED(status) ? EIO : WEXITSTATUS(status);
    if (err != 0) {
        release_reserved();
        return -err;
    }
    *net_fd = prepared.net_fd;
    *ipc_fd = prepared.ipc_fd;
    prepared.net_fd = prepared.ipc_fd = -1;
    return 0;
}
