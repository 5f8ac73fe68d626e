// The child's recipe, in order (as nsjail's containProc() does):
//   wait for the parent -> join the run's v1 cgroups -> cgroup namespace -> ids -> make /
//   private -> open bind sources -> new root tmpfs -> mount steps -> read-only root ->
//   pivot_root + detach the old root -> hostname -> loopback -> rlimits -> chdir -> session ->
//   receive the seccomp filter (sent by the parent meanwhile) -> close inherited fds ->
//   PID-1 init forks the command (init.c).
// Only async-signal-safe calls and raw syscalls: the parent is multi-threaded.
#define _GNU_SOURCE
#include "csandbox.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>

void sbx_report(int fd, int kind, int stage, int step, int value) {
    struct sbx_message m = { kind, stage, step, value };
    ssize_t n;
    do { n = write(fd, &m, sizeof m); } while (n < 0 && errno == EINTR);
}

_Noreturn void sbx_fail(const struct sbx_recipe *r, int stage, int step, int err) {
    sbx_report(r->report_fd, SBX_MSG_SETUP_ERROR, stage, step, err);
    _exit(SBX_SETUP_EXIT);
}

static int wait_for_parent(const struct sbx_recipe *r) {
    char go;
    ssize_t n;
    do { n = read(r->sync_fd, &go, 1); } while (n < 0 && errno == EINTR);
    close(r->sync_fd);
    return n == 1 ? 0 : -1;  // EOF: the parent died before mapping our ids
}

// True when the parent has died: its read end of the report pipe is gone, and poll(2)
// reports POLLERR on our write end.
static int parent_gone(const struct sbx_recipe *r) {
    struct pollfd p = { r->report_fd, POLLOUT, 0 };
    int n;
    do { n = poll(&p, 1, 0); } while (n < 0 && errno == EINTR);
    return n > 0 && (p.revents & (POLLERR | POLLHUP));
}

// cgroup v1 has no CLONE_INTO_CGROUP. A parent writing our pid to `cgroup.procs` takes the
// kernel's global threadgroup lock, whose first writer waits for an RCU grace period: 5-30 ms
// measured here per run. A single thread moving itself ("0" to `tasks`) skips that lock
// (cgroup_procs_write_start), so we join our own cgroups, before anything else runs.
static void join_cgroups(const struct sbx_recipe *r) {
    for (size_t i = 0; i < r->cgroup_tasks_count; i++) {
        ssize_t n;
        do { n = write(r->cgroup_tasks_fds[i], "0", 1); } while (n < 0 && errno == EINTR);
        if (n != 1) sbx_fail(r, SBX_STAGE_CGROUP_ATTACH, (int)i, n < 0 ? errno : EIO);
        close(r->cgroup_tasks_fds[i]);
    }
}

static int become_identity(const struct sbx_recipe *r) {
    // Supplementary groups are inherited from the caller (host gid 0 for root): drop them,
    // or the command keeps group access to root-group files on the host.
    // Raw syscalls, not glibc's wrappers: those broadcast the change to every thread glibc
    // believes exists (__nptl_setxid), and this clone of a multi-threaded parent has one
    // thread left; when a parent thread was being created at clone time, the wrapper waited
    // for it forever (seen: a run hung in setgroups -> setxid_mark_thread -> futex_wait).
    if (r->drop_groups && syscall(SYS_setgroups, 0, NULL) < 0) return -1;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return -1;
    if (syscall(SYS_setresgid, r->gid, r->gid, r->gid) < 0) return -1;
    if (syscall(SYS_setresuid, r->uid, r->uid, r->uid) < 0) return -1;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return -1;
    // The setup below still needs the namespace's capabilities: a uid change may have
    // cleared the effective set, so raise it to the permitted set again.
    return sbx_caps_raise_effective();
}

// ---- Mount steps ---------------------------------------------------------------------

static unsigned attr_of(unsigned flags) {
    unsigned a = 0;
    if (flags & SBX_MNT_RDONLY) a |= MOUNT_ATTR_RDONLY;
    if (flags & SBX_MNT_NOSUID) a |= MOUNT_ATTR_NOSUID;
    if (flags & SBX_MNT_NODEV) a |= MOUNT_ATTR_NODEV;
    if (flags & SBX_MNT_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
    return a;
}

static unsigned long ms_of(unsigned flags) {
    unsigned long m = 0;
    if (flags & SBX_MNT_RDONLY) m |= MS_RDONLY;
    if (flags & SBX_MNT_NOSUID) m |= MS_NOSUID;
    if (flags & SBX_MNT_NODEV) m |= MS_NODEV;
    if (flags & SBX_MNT_NOEXEC) m |= MS_NOEXEC;
    return m;
}

static int set_attr(int fd, unsigned flags) {
    struct mount_attr a;
    memset(&a, 0, sizeof a);
    a.attr_set = attr_of(flags);
    if (a.attr_set == 0) return 0;
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
}

// Bind sources are cloned while the host tree is still visible, before the new root hides it.
static void prepare_sources(const struct sbx_recipe *r) {
    for (size_t i = 0; i < r->mount_count; i++) {
        struct sbx_mount *m = &r->mounts[i];
        if (m->kind != SBX_MOUNT_BIND) continue;
        m->fd = sbx_open_tree_nofollow(m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (m->fd < 0) {
            if (errno == ENOENT && (m->flags & SBX_MNT_OPTIONAL)) continue;
            sbx_fail(r, SBX_STAGE_MOUNT_PREPARE, (int)i, errno);
        }
        if (set_attr(m->fd, m->flags) < 0) sbx_fail(r, SBX_STAGE_MOUNT_PREPARE, (int)i, errno);
    }
}

static int attach(int source_fd, int target_fd) {
    return move_mount(source_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

// Classic mount(2) onto an fd-resolved target: fchdir there and mount on ".", so no path is
// resolved again after the symlink-free walk.
static int mount_here(int target_fd, const char *fstype, unsigned long flags, const char *data) {
    if (fchdir(target_fd) < 0) return -1;
    return mount(fstype, ".", fstype, flags, data);
}

static int source_is_dir(int fd) {
    struct stat st;
    if (fstat(fd, &st) < 0) return -1;
    return S_ISDIR(st.st_mode) ? 1 : 0;
}

// A file is hidden under a clone of the host's `source` (/dev/null; the host tree is still
// visible until pivot_root), made only for targets that exist: half the masked /proc paths
// are absent on a given kernel, and each detached mount made for nothing cost its clone and
// the teardown when its descriptor was closed.
static int mask_file(const char *source, int target_fd) {
    int clone = sbx_open_tree_nofollow(source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (clone < 0) return -1;
    int rc = attach(clone, target_fd);
    int e = errno;
    close(clone);
    errno = e;
    return rc;
}

static void run_mount_step(const struct sbx_recipe *r, int root, size_t i) {
    struct sbx_mount *m = &r->mounts[i];
    int tfd = -1, rc = 0, is_dir;
    switch (m->kind) {
    case SBX_MOUNT_DIR:
        tfd = sbx_walk(root, m->target, SBX_WALK_DIR, 0755);
        break;
    case SBX_MOUNT_SYMLINK:
        rc = sbx_symlink_at(root, m->target, m->source);
        break;
    case SBX_MOUNT_BIND:
    case SBX_MOUNT_FD:
        if (m->fd < 0) return;  // optional source that does not exist
        is_dir = source_is_dir(m->fd);
        if (is_dir < 0) { rc = -1; break; }
        tfd = sbx_walk(root, m->target, is_dir ? SBX_WALK_DIR : SBX_WALK_FILE, 0755);
        if (tfd >= 0) rc = attach(m->fd, tfd);
        break;
    case SBX_MOUNT_TMPFS:
        tfd = sbx_walk(root, m->target, SBX_WALK_DIR, 0755);
        if (tfd >= 0) rc = mount_here(tfd, "tmpfs", ms_of(m->flags), m->data);
        break;
    case SBX_MOUNT_PROC:
        tfd = sbx_walk(root, m->target, SBX_WALK_DIR, 0555);
        if (tfd >= 0) rc = mount_here(tfd, "proc", ms_of(m->flags), NULL);
        break;
    case SBX_MOUNT_DEVPTS:
        tfd = sbx_walk(root, m->target, SBX_WALK_DIR, 0755);
        if (tfd >= 0) rc = mount_here(tfd, "devpts", ms_of(m->flags), m->data);
        break;
    case SBX_MOUNT_MASK:
        tfd = sbx_walk(root, m->target, SBX_WALK_EXISTING, 0);
        if (tfd < 0 && errno == ENOENT) return;  // nothing to hide
        if (tfd < 0) break;
        is_dir = source_is_dir(tfd);
        if (is_dir < 0) { rc = -1; break; }
        if (is_dir)
            rc = mount_here(tfd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,nr_inodes=1,mode=0555");
        else
            rc = mask_file(m->source, tfd);
        break;
    case SBX_MOUNT_READONLY: {
        tfd = sbx_walk(root, m->target, SBX_WALK_EXISTING, 0);
        if (tfd < 0 && errno == ENOENT && (m->flags & SBX_MNT_OPTIONAL)) return;
        if (tfd < 0) break;
        int clone = open_tree(tfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
        if (clone < 0 || set_attr(clone, m->flags | SBX_MNT_RDONLY) < 0 || attach(clone, tfd) < 0) rc = -1;
        if (clone >= 0) close(clone);
        break;
    }
    default:
        errno = EINVAL;
        rc = -1;
    }
    if (tfd < 0 && m->kind != SBX_MOUNT_SYMLINK) rc = -1;
    if (rc < 0) {
        if (errno == ENOENT && (m->flags & SBX_MNT_OPTIONAL)) return;
        sbx_fail(r, SBX_STAGE_MOUNT, (int)i, errno);
    }
    if (tfd >= 0) close(tfd);
    if (m->fd >= 0) { close(m->fd); m->fd = -1; }
}

static void build_root(const struct sbx_recipe *r) {
    // Nothing we mount may propagate back to the host.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        sbx_fail(r, SBX_STAGE_ROOT, -1, errno);
    prepare_sources(r);
    if (mount("tmpfs", r->root_base, "tmpfs", MS_NOSUID | MS_NODEV, r->root_data) < 0)
        sbx_fail(r, SBX_STAGE_ROOT, -1, errno);
    int root = open(r->root_base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root < 0) sbx_fail(r, SBX_STAGE_ROOT, -1, errno);
    for (size_t i = 0; i < r->mount_count; i++) run_mount_step(r, root, i);

    // pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then
    // removes the old root without needing a directory for it (as LXC and runc do).
    if (fchdir(root) < 0) sbx_fail(r, SBX_STAGE_PIVOT_ROOT, -1, errno);
    if (syscall(SYS_pivot_root, ".", ".") < 0) sbx_fail(r, SBX_STAGE_PIVOT_ROOT, -1, errno);
    if (umount2(".", MNT_DETACH) < 0) sbx_fail(r, SBX_STAGE_PIVOT_ROOT, -1, errno);
    if (chdir("/") < 0) sbx_fail(r, SBX_STAGE_PIVOT_ROOT, -1, errno);
    // The skeleton (mount points, symlinks) is done: nothing else of it is writable.
    struct mount_attr ro;
    memset(&ro, 0, sizeof ro);
    ro.attr_set = MOUNT_ATTR_RDONLY;
    if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &ro, sizeof ro) < 0)
        sbx_fail(r, SBX_STAGE_PIVOT_ROOT, -1, errno);
    close(root);
}

int sbx_loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(s);
    errno = saved;
    return rc;
}

static void wipe_parent_environment(const struct sbx_recipe *r) {
    static const char name[] = "sandbox-init";
    if (r->env_start && r->env_end > r->env_start)
        memset((void *)r->env_start, 0, r->env_end - r->env_start);
    prctl(PR_SET_NAME, name, 0, 0, 0);  // /proc/1/comm
    if (r->arg_start && r->arg_end > r->arg_start + sizeof name) {
        memset((void *)r->arg_start, 0, r->arg_end - r->arg_start);
        memcpy((void *)r->arg_start, name, sizeof name);
    }
}

static void sort_small(int *v, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) { int t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; }
}

// The init keeps 0-2 and what it uses; everything else the runner had open (its lock on the
// worktree, the log, the events file, the relay's read ends, caches) is closed here, so no
// process of the sandbox holds it: a relay read end kept here would hide a reader that went
// away, and a lock kept here would outlive the runner.
static void keep_only_needed_fds(const struct sbx_recipe *r) {
    int keep[4] = { r->report_fd, r->notify_sock, r->stdout_fd, r->stderr_fd };
    int n = 4;
    sort_small(keep, n);
    int next = 3;
    for (int i = 0; i < n; i++) {
        if (keep[i] < next) continue;
        if (keep[i] > next && syscall(SYS_close_range, (unsigned)next, (unsigned)(keep[i] - 1), 0) < 0)
            sbx_fail(r, SBX_STAGE_CLOSE_FDS, -1, errno);
        next = keep[i] + 1;
    }
    if (syscall(SYS_close_range, (unsigned)next, ~0U, 0) < 0) sbx_fail(r, SBX_STAGE_CLOSE_FDS, -1, errno);
}

// The filter's instructions, in this process's copy of the runner's memory.
static struct sock_filter received_filter[SBX_FILTER_MAX_INSTRUCTIONS];
_Static_assert(SBX_FILTER_MAX_INSTRUCTIONS == BPF_MAXINSNS, "the kernel's limit");

static int read_fully(int fd, void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) { errno = EPIPE; return -1; }  // the parent gave up (or died): no filter
        done += (size_t)n;
    }
    return 0;
}

static void receive_filter(struct sbx_recipe *r) {
    struct sbx_filter_header h;
    if (read_fully(r->filter_fd, &h, sizeof h) < 0) sbx_fail(r, SBX_STAGE_FILTER_RECEIVE, -1, errno);
    if (h.magic != SBX_FILTER_MAGIC || h.instructions == 0 || h.instructions > SBX_FILTER_MAX_INSTRUCTIONS)
        sbx_fail(r, SBX_STAGE_FILTER_RECEIVE, -1, EINVAL);
    if (read_fully(r->filter_fd, received_filter, h.instructions * sizeof received_filter[0]) < 0)
        sbx_fail(r, SBX_STAGE_FILTER_RECEIVE, -1, errno);
    close(r->filter_fd);
    r->filter_fd = -1;
    r->filter = received_filter;
    r->filter_len = (unsigned short)h.instructions;
}

_Noreturn void sbx_child_main(struct sbx_recipe *r) {
    // Die with the runner. PR_SET_PDEATHSIG is per parent thread: sbx_spawn's caller keeps
    // its thread alive. EOF on the sync pipe covers a parent that died before this line.
    for (int i = 0; i < 4; i++)
        if (r->parent_fds[i] >= 0) close(r->parent_fds[i]);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) sbx_fail(r, SBX_STAGE_WAIT_PARENT, -1, errno);
    if (wait_for_parent(r) < 0) _exit(SBX_SETUP_EXIT);
    join_cgroups(r);
    if (r->unshare_cgroup_ns && unshare(CLONE_NEWCGROUP) < 0) sbx_fail(r, SBX_STAGE_CGROUP_NS, -1, errno);
    wipe_parent_environment(r);
    if (become_identity(r) < 0) sbx_fail(r, SBX_STAGE_IDENTITY, -1, errno);
    // prctl(2): the parent-death signal is cleared when the effective or filesystem ids
    // change, which become_identity just did; without this, SIGKILL to the runner left the
    // init and the command running, reparented to the host's PID 1. Set it again, then check
    // the parent did not die in between (getppid() is 0 across a PID namespace boundary; the
    // report pipe's write end polls POLLERR once the parent's read end is gone).
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) sbx_fail(r, SBX_STAGE_IDENTITY, -1, errno);
    if (parent_gone(r)) _exit(SBX_SETUP_EXIT);
    // A fresh, empty session keyring, as runc does: subscribed to the caller's (a login
    // session has one), the command would possess it and read every key in it, whatever its
    // uid. Made after the id switch so it belongs to the sandbox's user. ENOSYS: no keys.
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
        sbx_fail(r, SBX_STAGE_IDENTITY, -1, errno);

    build_root(r);

    if (r->hostname && sethostname(r->hostname, strlen(r->hostname)) < 0)
        sbx_fail(r, SBX_STAGE_HOSTNAME, -1, errno);
    if (r->loopback_up && sbx_loopback_up() < 0) sbx_fail(r, SBX_STAGE_LOOPBACK, -1, errno);
    for (size_t i = 0; i < r->rlimit_count; i++) {
        struct rlimit rl = { (rlim_t)r->rlimits[i].soft, (rlim_t)r->rlimits[i].hard };
        if (setrlimit(r->rlimits[i].resource, &rl) < 0) sbx_fail(r, SBX_STAGE_RLIMIT, (int)i, errno);
    }
    if (chdir(r->cwd) < 0) sbx_fail(r, SBX_STAGE_CHDIR, -1, errno);
    if (r->new_session && setsid() < 0) sbx_fail(r, SBX_STAGE_SESSION, -1, errno);

    // The parent compiled (or loaded) the filter while we mounted; wait for it here.
    if (r->filter_fd >= 0) receive_filter(r);
    keep_only_needed_fds(r);
    sbx_init_main(r);
}
