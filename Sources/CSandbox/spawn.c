// clone3 into new namespaces, and thin syscall wrappers for the Swift parent.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <linux/landlock.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long clone_child(struct sbx_recipe *recipe, uint64_t clone_flags, int cgroup_fd, int *pidfd) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = clone_flags | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        // The command is inside its cgroup before it runs a single instruction.
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) sbx_child_main(recipe);
    return pid < 0 ? -errno : pid;
}

// Enters the prepared namespace `fd` of type `nstype` for the clone; `*saved` is this
// thread's own, to return to.
static int enter(int fd, int nstype, const char *own, int *saved) {
    *saved = -1;
    if (fd < 0) return 0;
    *saved = open(own, O_RDONLY | O_CLOEXEC);
    if (*saved < 0) return -1;
    return setns(fd, nstype);
}

static int leave(int saved, int nstype) {
    if (saved < 0) return 0;
    int rc = setns(saved, nstype);
    int err = errno;
    close(saved);
    errno = err;
    return rc;
}

pid_t sbx_spawn(struct sbx_recipe *recipe, uint64_t clone_flags, int cgroup_fd, int net_fd, int ipc_fd, int *pidfd_out) {
    int pidfd = -1, own_net = -1, own_ipc = -1;
    if (net_fd >= 0) clone_flags &= ~(uint64_t)CLONE_NEWNET;
    if (ipc_fd >= 0) clone_flags &= ~(uint64_t)CLONE_NEWIPC;
    long pid = -1;
    if (enter(net_fd, CLONE_NEWNET, "/proc/thread-self/ns/net", &own_net) < 0 ||
        enter(ipc_fd, CLONE_NEWIPC, "/proc/thread-self/ns/ipc", &own_ipc) < 0)
        pid = -errno;
    else {
        // The child sets up off this CPU (cpus.c), which stays busy with the filter and the
        // record after the release; the init and the command get the caller's own CPUs
        // back before execve (init.c). Best effort: a child left where it is starts later.
        cpu_set_t others;
        _Static_assert(sizeof recipe->caller_cpus == sizeof(cpu_set_t), "a cpu_set_t");
        recipe->restore_cpus = sbx_cpus_elsewhere((cpu_set_t *)recipe->caller_cpus, &others);
        pid = clone_child(recipe, clone_flags, cgroup_fd, &pidfd);
        if (pid > 0 && recipe->restore_cpus) sched_setaffinity((pid_t)pid, sizeof others, &others);
    }
    // Back to the host's namespaces before anything else runs on this thread. Should that
    // fail, the child (still waiting for its release) is killed: nothing is started.
    int back = leave(own_net, CLONE_NEWNET) < 0 ? errno : 0;
    if (leave(own_ipc, CLONE_NEWIPC) < 0 && back == 0) back = errno;
    if (back != 0) {
        if (pid > 0) {
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            waitpid((pid_t)pid, NULL, 0);
            close(pidfd);
        }
        return -back;
    }
    if (pid < 0) return (pid_t)pid;
    *pidfd_out = pidfd;
    return (pid_t)pid;
}

const unsigned int SBX_OPEN_TREE_CLONE_FLAGS = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;

int sbx_mount_setattr(int fd, unsigned flags, int userns_fd) {
    struct mount_attr a;
    memset(&a, 0, sizeof a);
    if (flags & SBX_MNT_RDONLY) a.attr_set |= MOUNT_ATTR_RDONLY;
    if (flags & SBX_MNT_NOSUID) a.attr_set |= MOUNT_ATTR_NOSUID;
    if (flags & SBX_MNT_NODEV) a.attr_set |= MOUNT_ATTR_NODEV;
    if (flags & SBX_MNT_NOEXEC) a.attr_set |= MOUNT_ATTR_NOEXEC;
    if (userns_fd >= 0) {
        a.attr_set |= MOUNT_ATTR_IDMAP;
        a.userns_fd = (uint64_t)userns_fd;
    }
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof a);
}

int sbx_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int sbx_pidfd_sigqueue(int pidfd, int sig, int value) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = sig;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_int = value;
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, &info, 0);
}

const int SBX_SI_QUEUE = SI_QUEUE;

int sbx_signalfd_read_info(int fd, struct sbx_signal_info *out) {
    struct signalfd_siginfo info;
    ssize_t n;
    do { n = read(fd, &info, sizeof info); } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof info) return 0;
    out->signo = (int)info.ssi_signo;
    out->code = info.ssi_code;
    out->pid = (int)info.ssi_pid;
    out->value = info.ssi_int;
    return 1;
}

int sbx_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int sbx_block_signals(const int *signals, int count, sigset_t *out_mask) {
    sigemptyset(out_mask);
    for (int i = 0; i < count; i++) sigaddset(out_mask, signals[i]);
    return pthread_sigmask(SIG_BLOCK, out_mask, NULL) == 0 ? 0 : -1;
}

int sbx_signalfd(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int sbx_wexitstatus(int status) { return WEXITSTATUS(status); }
int sbx_wtermsig(int status) { return WTERMSIG(status); }
int sbx_wifexited(int status) { return WIFEXITED(status); }
int sbx_wifsignaled(int status) { return WIFSIGNALED(status); }
int sbx_wcoredump(int status) { return WCOREDUMP(status); }

int sbx_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int sbx_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int sbx_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

long sbx_send_nowait(int sock, const void *buf, size_t len) {
    return (long)send(sock, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int sbx_seccomp_action_available(uint32_t action) {
    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int sbx_landlock_abi_version(void) {
    return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

long sbx_statfs_type(const char *path) {
    struct statfs fs;
    if (statfs(path, &fs) < 0) return -1;
    return (long)fs.f_type;
}

int sbx_socketpair_cloexec(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds);
}

int sbx_stream_pair_cloexec(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
}

int sbx_send_all(int sock, const void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(sock, (const char *)buf + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

int sbx_send_fd(int sock, int fd) {
    char byte = 0;
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    do { n = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

int sbx_recv_fd(int sock) {
    char byte;
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT); } while (n < 0 && errno == EINTR);
    if (n <= 0) { if (n == 0) errno = EPIPE; return -1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
        errno = EPROTO;
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}
