// PID 1 of the sandbox's PID namespace: forks the command, forwards signals to it, reaps
// orphans, and reports the command's wait status to the parent. When it exits, the kernel
// kills whatever is left in the namespace. Like tini, but a few dozen lines and no malloc.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

// The signals the runner forwards to the init and the init forwards to the command.
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static void reset_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    // The Swift parent's ignored signals and blocked mask would survive execve.
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

// The caller's CPUs, which sbx_spawn narrowed for the setup (spawn.c). Failure leaves a
// subset of them (possible only if all the others went offline meanwhile): harmless.
static void restore_caller_cpus(const struct sbx_recipe *r) {
    if (r->restore_cpus) sched_setaffinity(0, sizeof(cpu_set_t), (const cpu_set_t *)r->caller_cpus);
}

static void exec_command(const struct sbx_recipe *r, int err_fd) {
    const char *prog = r->argv[0];
    if (strchr(prog, '/')) {
        execve(prog, (char *const *)r->argv, (char *const *)r->envp);
        sbx_report(err_fd, SBX_MSG_EXEC_ERROR, SBX_STAGE_EXEC, -1, errno);
        _exit(127);
    }
    // execvpe() is not async-signal-safe; search PATH by hand. EACCES wins over ENOENT, as
    // in execvp: "found but not executable" is the more useful answer.
    char buf[4096];
    int saw_eacces = 0, last = ENOENT;
    size_t plen = strlen(prog);
    const char *p = r->path ? r->path : "/usr/bin:/bin";
    while (*p) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        if (dlen == 0) { buf[0] = '.'; dlen = 1; } else if (dlen < sizeof buf) memcpy(buf, p, dlen);
        if (dlen + 1 + plen + 1 <= sizeof buf) {
            buf[dlen] = '/';
            memcpy(buf + dlen + 1, prog, plen + 1);
            execve(buf, (char *const *)r->argv, (char *const *)r->envp);
            if (errno == EACCES) saw_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR) last = errno;
        }
        if (!end) break;
        p = end + 1;
    }
    sbx_report(err_fd, SBX_MSG_EXEC_ERROR, SBX_STAGE_EXEC, -1, saw_eacces ? EACCES : last);
    _exit(127);
}

static _Noreturn void command_main(const struct sbx_recipe *r, int err_fd) {
    if (r->foreground_tty) {
        // --tty: own process group in the terminal's foreground, so ^C reaches the command
        // and not the runner. SIGTTOU is still blocked here.
        if (setpgid(0, 0) < 0 || (isatty(0) && tcsetpgrp(0, getpid()) < 0))
            sbx_fail(r, SBX_STAGE_SESSION, -1, errno);
    }
    reset_signals();
    restore_caller_cpus(r);
    if (sbx_caps_drop_all_but(r->keep_caps) < 0) sbx_fail(r, SBX_STAGE_CAPABILITIES, -1, errno);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) sbx_fail(r, SBX_STAGE_NO_NEW_PRIVS, -1, errno);
    // The runner's output relay: the command writes into pipes the runner copies to the
    // caller and to the worker's log. dup2 clears CLOEXEC on the new descriptor.
    if (r->stdout_fd >= 0 && dup2(r->stdout_fd, 1) < 0) sbx_fail(r, SBX_STAGE_CLOSE_FDS, -1, errno);
    if (r->stderr_fd >= 0 && dup2(r->stderr_fd, 2) < 0) sbx_fail(r, SBX_STAGE_CLOSE_FDS, -1, errno);
    // Only 0-2 reach the command (runc CVE-2024-21626 class: no leaked fd into the host).
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) sbx_fail(r, SBX_STAGE_CLOSE_FDS, -1, errno);
    if (r->filter_len) {
        // Last step before execve, so that the setup above is not subject to the policy.
        // With a listener, denials reach the runner by name; the policy compiler makes sure
        // sendmsg, close and execve stay allowed, or handing the listener over would block
        // on the listener itself.
        struct sock_fprog prog = { r->filter_len, (struct sock_filter *)r->filter };
        unsigned flags = r->notify_sock >= 0 ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
        long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (listener < 0) sbx_fail(r, SBX_STAGE_SECCOMP, -1, errno);
        if (r->notify_sock >= 0) {
            if (sbx_send_fd(r->notify_sock, (int)listener) < 0) sbx_fail(r, SBX_STAGE_SECCOMP, -1, errno);
            close((int)listener);
        }
    }
    exec_command(r, err_fd);
    _exit(127);
}

// The command starts on this stack, sharing the init's memory until execve
// (CLONE_VM | CLONE_VFORK, as posix_spawn does): no copy of the runner's page tables for a
// process that is about to exec anyway. The init is suspended meanwhile.
static char command_stack[64 * 1024] __attribute__((aligned(16)));

struct command_args {
    const struct sbx_recipe *r;
    int err_fd;
};

static int command_entry(void *arg) {
    struct command_args *a = arg;
    command_main(a->r, a->err_fd);
}

_Noreturn void sbx_init_main(const struct sbx_recipe *r) {
    sigset_t all, waitset;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    // The loop below waits for SIGCHLD; ignored (a disposition inherited across execve),
    // no SIGCHLD would come and the init would wait forever. The runner resets it too.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    if (sigaction(SIGCHLD, &dfl, NULL) < 0) sbx_fail(r, SBX_STAGE_FORK, -1, errno);

    // Exec errors travel on their own CLOEXEC pipe: EOF there means execve succeeded.
    int exec_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) < 0) sbx_fail(r, SBX_STAGE_FORK, -1, errno);
    // The command must not be able to ptrace or read the init (its memory is a copy of the
    // runner's).
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

    struct command_args args = { r, exec_pipe[1] };
    pid_t child = clone(command_entry, command_stack + sizeof command_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
    if (child < 0) sbx_fail(r, SBX_STAGE_FORK, -1, errno);
    close(exec_pipe[1]);
    // Only the command's tree holds the relay pipes now: EOF reaches the runner when the
    // last of them closes, and a caller that stops reading makes the command's writes fail
    // with EPIPE, as if it wrote to the caller directly.
    if (r->stdout_fd >= 0) close(r->stdout_fd);
    if (r->stderr_fd >= 0 && r->stderr_fd != r->stdout_fd) close(r->stderr_fd);
    struct sbx_message m;
    ssize_t n;
    do { n = read(exec_pipe[0], &m, sizeof m); } while (n < 0 && errno == EINTR);
    close(exec_pipe[0]);
    if (n == (ssize_t)sizeof m) {
        // The command failed in its last steps or in execve: pass the reason on.
        ssize_t w;
        do { w = write(r->report_fd, &m, sizeof m); } while (w < 0 && errno == EINTR);
    } else {
        sbx_report(r->report_fd, SBX_MSG_COMMAND_PID, 0, 0, child);
    }
    restore_caller_cpus(r);
    // The init needs no privilege from here on.
    sbx_caps_drop_all_but(0);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

    sigemptyset(&waitset);
    sigaddset(&waitset, SIGCHLD);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&waitset, forwarded[i]);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&waitset, &info);
        if (sig < 0) continue;
        if (sig != SIGCHLD) {
            // From PID 1, kill(-1) reaches every process of the namespace but the init.
            if (info.si_code == SI_QUEUE && info.si_value.sival_int == SBX_BROADCAST_VALUE) kill(-1, sig);
            else kill(child, sig);
            continue;
        }
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
            if (p == child) {
                sbx_report(r->report_fd, SBX_MSG_EXIT_STATUS, 0, 0, status);
                _exit(0);
            }
        }
    }
}
