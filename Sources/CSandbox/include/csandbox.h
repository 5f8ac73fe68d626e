// The part of `sandbox` that runs between clone3 and execve, plus thin wrappers for the
// syscalls Swift's Glibc module does not expose.
//
// Why C: the parent is a multi-threaded Swift process; after clone3 only async-signal-safe
// code may run in the child (GUIDE: Swift code in a cloned child hung 20 times in 200).
// The child therefore runs a fixed recipe prepared by the parent, in order, with no
// allocation, parsing, policy or logging. A failing step writes one `sbx_message` to the
// report pipe; the parent turns (stage, step) back into a path using the plan.
#ifndef CSANDBOX_H
#define CSANDBOX_H

#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <linux/sched.h>  // CLONE_NEW* for Swift

#ifdef __cplusplus
extern "C" {
#endif

// ---- Mount steps ---------------------------------------------------------------------

enum sbx_mount_kind {
    SBX_MOUNT_BIND = 0,      // recursive clone of host `source`, attached at `target`
    SBX_MOUNT_FD = 1,        // a detached mount the parent made (`fd`), attached at `target`
    SBX_MOUNT_TMPFS = 2,     // tmpfs with mount options `data`
    SBX_MOUNT_PROC = 3,      // a fresh procfs of the new PID namespace
    SBX_MOUNT_DEVPTS = 4,    // a new devpts instance, options `data`
    SBX_MOUNT_SYMLINK = 5,   // symlink at `target` pointing to `source`
    SBX_MOUNT_MASK = 6,      // hide `target`: `source` (/dev/null) over a file, empty ro tmpfs over a dir
    SBX_MOUNT_READONLY = 7,  // re-bind an already visible `target` onto itself, read-only
    SBX_MOUNT_DIR = 8,       // create the directory `target` only
};

// Flags of a mount step (map to MOUNT_ATTR_* / MS_*).
#define SBX_MNT_RDONLY   0x1u
#define SBX_MNT_NOSUID   0x2u
#define SBX_MNT_NODEV    0x4u
#define SBX_MNT_NOEXEC   0x8u
#define SBX_MNT_OPTIONAL 0x10u  // a missing source or target skips the step (masks, optional binds)

struct sbx_mount {
    int kind;
    unsigned flags;
    const char *source;  // host path (BIND, MASK), link text (SYMLINK), else NULL
    const char *target;  // absolute path inside the new root
    const char *data;    // mount options (TMPFS, DEVPTS), else NULL
    int fd;              // SBX_MOUNT_FD: the parent's detached mount; otherwise set by the child
};

struct sbx_rlimit {
    int resource;
    uint64_t soft;
    uint64_t hard;
};

// ---- The recipe ----------------------------------------------------------------------

struct sbx_recipe {
    int sync_fd;            // read end: one byte from the parent means "ids mapped, go"
    int unshare_cgroup_ns;  // make the cgroup namespace after the go, once we are in the
                            // run's cgroup (v1: joined through cgroup_tasks_fds first), so its
                            // root is that cgroup and /proc/self/cgroup shows no host path
    int report_fd;          // write end (CLOEXEC): sbx_message records to the parent
    const int *cgroup_tasks_fds;  // v1: the run's `tasks` files, opened by the parent; after
    size_t cgroup_tasks_count;    // the go the child writes "0" to each, moving itself
    int parent_fds[4];      // the parent's ends of the pipes and the notify socket (or -1),
                            // closed first in the child so that EOF on sync_fd means the
                            // parent is gone

    uid_t uid;              // ids inside the user namespace (mapped by the parent)
    gid_t gid;
    int drop_groups;        // setgroups(0, NULL): needs a privileged gid_map (not with
                            // setgroups "deny", as an unprivileged parent must write)

    uintptr_t env_start;    // the parent's environment block, wiped in the child so that
    uintptr_t env_end;      // /proc/1/environ shows nothing of the caller
    uintptr_t arg_start;    // the parent's argument block, rewritten to "sandbox-init" so
    uintptr_t arg_end;      // /proc/1/cmdline shows neither the runner's path nor its flags

    const char *root_base;  // where the new root tmpfs is mounted before pivot_root
    const char *root_data;  // its mount options
    struct sbx_mount *mounts;
    size_t mount_count;

    const char *hostname;   // NULL: keep
    int loopback_up;        // bring `lo` up in the new network namespace

    const struct sbx_rlimit *rlimits;
    size_t rlimit_count;

    const char *cwd;
    const char *const *argv;   // argv[0] is the program: a path, or a name searched in `path`
    const char *const *envp;
    const char *path;          // PATH used to find argv[0] when it has no '/'

    int new_session;           // setsid() so the command has no controlling terminal
    int foreground_tty;        // --tty: the command becomes the terminal's foreground group

    uint64_t keep_caps;        // capabilities the command keeps (bit N = capability N); 0 for none

    int filter_fd;             // >= 0: the socket the compiled filter arrives on
                               // after the release (struct sbx_filter_header, then the
                               // instructions), read once the mounts are done; EOF before a
                               // whole filter fails the run: no command runs unfiltered.
                               // -1: no seccomp filter
    const void *filter;        // struct sock_filter[]: set by the child from filter_fd
    unsigned short filter_len; // number of instructions
    int notify_sock;           // >= 0: load the filter with a user-notification listener and
                               // send the listener over this socket (SCM_RIGHTS) to the parent

    int stdout_fd;             // >= 0: the command's fd 1 (write end of the runner's output
    int stderr_fd;             // relay; both may be the same pipe); -1 keeps the caller's fd

    // Set by sbx_spawn, not by the caller: the child starts on another CPU than the runner's
    // and the command gets the caller's CPUs back before execve (spawn.c says why).
    int restore_cpus;          // 1: caller_cpus holds the caller's affinity mask
    uint64_t caller_cpus[16];  // a cpu_set_t (1024 CPUs)
};

// What precedes the instructions on filter_fd.
struct sbx_filter_header {
    uint32_t magic;            // SBX_FILTER_MAGIC
    uint32_t instructions;     // 1..BPF_MAXINSNS (4096)
};
#define SBX_FILTER_MAGIC 0x53424646u
#define SBX_FILTER_MAX_INSTRUCTIONS 4096  // BPF_MAXINSNS

// A signal queued (SI_QUEUE) to the init with this value goes to every process of the
// sandbox (kill(-1) from PID 1), not only to the command: `sandbox kill` stops the whole run.
#define SBX_BROADCAST_VALUE 0x53425243

// ---- Messages from the child ---------------------------------------------------------

enum sbx_message_kind {
    SBX_MSG_SETUP_ERROR = 1,   // stage, step, value = errno
    SBX_MSG_EXEC_ERROR = 2,    // value = errno of the last execve
    SBX_MSG_EXIT_STATUS = 3,   // value = wait status of the command
    SBX_MSG_COMMAND_PID = 4,   // value = the command's pid inside the namespace
};

enum sbx_stage {
    SBX_STAGE_WAIT_PARENT = 1,
    SBX_STAGE_IDENTITY,
    SBX_STAGE_MOUNT_PREPARE,   // open_tree of a bind source (step = mount index)
    SBX_STAGE_ROOT,            // the new root tmpfs
    SBX_STAGE_MOUNT,           // attaching a mount step (step = mount index)
    SBX_STAGE_PIVOT_ROOT,
    SBX_STAGE_HOSTNAME,
    SBX_STAGE_LOOPBACK,
    SBX_STAGE_RLIMIT,          // step = rlimit index
    SBX_STAGE_CHDIR,
    SBX_STAGE_SESSION,
    SBX_STAGE_FORK,
    SBX_STAGE_SIGNALS,
    SBX_STAGE_CAPABILITIES,
    SBX_STAGE_NO_NEW_PRIVS,
    SBX_STAGE_CLOSE_FDS,
    SBX_STAGE_SECCOMP,
    SBX_STAGE_EXEC,
    SBX_STAGE_CGROUP_NS,       // unshare(CLONE_NEWCGROUP) after the parent's go
    SBX_STAGE_CGROUP_ATTACH,   // step = index of the v1 `tasks` fd the child could not join
    SBX_STAGE_FILTER_RECEIVE,  // the filter did not arrive whole on filter_fd (EPIPE: the
                               // runner gave up or died; EINVAL: a malformed header)
};

struct sbx_message {
    int32_t kind;
    int32_t stage;
    int32_t step;
    int32_t value;
};

// ---- Entry points for Swift ----------------------------------------------------------

// clone3 with `clone_flags` (CLONE_NEW* ...) and CLONE_PIDFD; the child runs the recipe and
// never returns. `cgroup_fd` >= 0 adds CLONE_INTO_CGROUP. `net_fd`/`ipc_fd` >= 0: the child
// is born in that prepared namespace instead of a new one (the calling thread enters it for
// the clone and returns to its own). Returns the child's pid and stores its pidfd, or
// returns -errno. Must be called from a thread that outlives the child (PR_SET_PDEATHSIG
// fires when the parent *thread* exits).
pid_t sbx_spawn(struct sbx_recipe *recipe, uint64_t clone_flags, int cgroup_fd, int net_fd, int ipc_fd,
                int *pidfd_out);

// A network namespace with `lo` up and an IPC namespace, made on a helper thread while the
// caller plans (prepared.c). `start` begins (0, or -errno); `take` waits for the thread and
// hands over both descriptors (0), or answers -errno with both -1 (never started, or the
// host would not make them: the caller then clones new ones as usual).
int sbx_prepare_namespaces_start(void);
int sbx_prepare_namespaces_take(int *net_fd, int *ipc_fd);

// Thin wrappers: each returns the syscall's result, or -1 with errno set.
// open_tree(path) following no symlink in any component (ELOOP if one is there).
int sbx_open_tree_nofollow(const char *path, unsigned int flags);
// Sets SBX_MNT_* `flags` (and the idmap to `userns_fd` when >= 0) on a detached mount.
int sbx_mount_setattr(int fd, unsigned flags, int userns_fd);
int sbx_pidfd_send_signal(int pidfd, int sig);
int sbx_pidfd_open(pid_t pid);
// pidfd_send_signal with a SI_QUEUE siginfo carrying `value` (as sigqueue(3) does, but aimed
// at a pidfd, so a recycled pid is never hit).
int sbx_pidfd_sigqueue(int pidfd, int sig, int value);

// What the supervisor needs to know of a received signal: who sent it and how.
struct sbx_signal_info {
    int signo;
    int code;      // SI_USER, SI_QUEUE, SI_KERNEL...
    int pid;       // the sender (as the sender's siginfo says; 0 from the kernel)
    int value;     // si_value.sival_int for SI_QUEUE
};
// Reads the next pending signal from a non-blocking signalfd, with its sender; 1 when a
// signal was read, 0 when none is pending.
int sbx_signalfd_read_info(int fd, struct sbx_signal_info *out);
extern const int SBX_SI_QUEUE;
int sbx_signalfd(const sigset_t *mask);
int sbx_block_signals(const int *signals, int count, sigset_t *out_mask);
int sbx_wexitstatus(int status);
int sbx_wtermsig(int status);
int sbx_wifexited(int status);
int sbx_wifsignaled(int status);
int sbx_wcoredump(int status);
int sbx_pipe_cloexec(int fds[2]);
int sbx_memfd(const char *name);
// A CLOEXEC AF_UNIX SOCK_SEQPACKET pair.
int sbx_socketpair_cloexec(int fds[2]);
// A CLOEXEC AF_UNIX SOCK_STREAM pair (the filter channel: a dead reader is EPIPE, not SIGPIPE).
int sbx_stream_pair_cloexec(int fds[2]);
// All of `buf` with send(MSG_NOSIGNAL), retrying short writes; 0 or -1 with errno.
int sbx_send_all(int sock, const void *buf, size_t len);
// Sends `fd` over the unix socket `sock` (SCM_RIGHTS); 0 or -1 with errno.
int sbx_send_fd(int sock, int fd);
// Receives one fd sent with sbx_send_fd (made CLOEXEC); the fd, or -1 with errno.
int sbx_recv_fd(int sock);
int sbx_seccomp_action_available(uint32_t action);
// A non-blocking, CLOEXEC eventfd (cgroup v1 OOM notifications), or -1 with errno.
int sbx_eventfd(void);
// send(2) with MSG_DONTWAIT | MSG_NOSIGNAL: never blocks, never raises SIGPIPE.
long sbx_send_nowait(int sock, const void *buf, size_t len);
int sbx_landlock_abi_version(void);
// statfs(2)'s f_type of `path` (the file system magic), or -1 with errno set.
long sbx_statfs_type(const char *path);

// The SBX_OPEN_TREE_* flags for Swift (macros from sys/mount.h are not imported).
extern const unsigned int SBX_OPEN_TREE_CLONE_FLAGS;

#ifdef __cplusplus
}
#endif
#endif
