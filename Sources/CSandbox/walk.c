// Symlink-free path walking: inside the new root (mount targets), and from the host's `/`
// for bind sources (sbx_open_tree_nofollow). No component may be a symlink, and the result
// is checked with fstat, so neither a link nor a fifo or socket named like a mount target
// can stand in for a directory. One openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH) resolves
// what already exists (a run makes ~40 of these walks: component by component they took
// ~500 syscalls of the child's setup); the component walk creates what is missing, and
// stands in where openat2 is not available.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int checked(int fd, int want_dir) {
    struct stat st;
    if (fstat(fd, &st) < 0) { int e = errno; close(fd); errno = e; return -1; }
    if (S_ISLNK(st.st_mode)) { close(fd); errno = ELOOP; return -1; }
    if (want_dir && !S_ISDIR(st.st_mode)) { close(fd); errno = ENOTDIR; return -1; }
    if (!want_dir && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
        close(fd); errno = EINVAL; return -1;
    }
    return fd;
}

static int open_component(int dir, const char *name, int want_dir) {
    int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -1 : checked(fd, want_dir);
}

// Copies `path` without its leading slashes into `out` when every component is a plain name
// (no empty, "." or ".." component): the only paths the fast path takes. 0, or -1.
static int plain_relative(const char *path, char out[PATH_MAX]) {
    while (*path == '/') path++;
    size_t len = strlen(path);
    if (len == 0 || len >= PATH_MAX) return -1;
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return -1;
        if (!end) break;
        p = end + 1;
        if (*p == '\0') return -1;  // a trailing slash
    }
    memcpy(out, path, len + 1);
    return 0;
}

// `rel` opened beneath `dir` in one syscall, following no symlink anywhere (ELOOP), leaving
// `dir` never (EXDEV). -1 with errno; ENOSYS where the kernel has no openat2 (before 5.6),
// EAGAIN when a concurrent rename made the kernel give up: the caller walks instead.
static int open_beneath(int dir, const char *rel, int want_dir) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH;
    int fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof how);
    return fd < 0 ? -1 : checked(fd, want_dir);
}

static int must_walk(int err) { return err == ENOSYS || err == EAGAIN || err == EXDEV; }

// Splits `path` into its parent walk and the last component: walks all but the last
// component (creating directories when `create`) and returns the parent's fd; `last`
// receives the final name.
static int walk_parent(int root, const char *path, int create, mode_t dir_mode, char last[NAME_MAX + 1]) {
    char name[NAME_MAX + 1];
    int dir = fcntl(root, F_DUPFD_CLOEXEC, 0);
    if (dir < 0) return -1;
    const char *p = path;
    while (*p == '/') p++;
    if (*p == '\0') { last[0] = '\0'; return dir; }
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || len > NAME_MAX) { close(dir); errno = ENAMETOOLONG; return -1; }
        memcpy(name, p, len);
        name[len] = '\0';
        if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
            close(dir); errno = EINVAL; return -1;  // the planner only hands us clean paths
        }
        const char *next = end;
        while (next && *next == '/') next++;
        if (!next || *next == '\0') { memcpy(last, name, len + 1); return dir; }
        int child = open_component(dir, name, 1);
        if (child < 0 && errno == ENOENT && create) {
            if (mkdirat(dir, name, dir_mode) < 0 && errno != EEXIST) { int e = errno; close(dir); errno = e; return -1; }
            child = open_component(dir, name, 1);
        }
        int e = errno;
        close(dir);
        if (child < 0) { errno = e; return -1; }
        dir = child;
        p = next;
    }
}

// The parent of `rel` (a plain relative path) in one openat2, and its last component in
// `last`; -1 with errno (ENOENT: a directory on the way is missing).
static int fast_parent(int root, char rel[PATH_MAX], char last[NAME_MAX + 1]) {
    char *slash = strrchr(rel, '/');
    if (!slash) {
        memcpy(last, rel, strlen(rel) + 1);
        return fcntl(root, F_DUPFD_CLOEXEC, 0);
    }
    memcpy(last, slash + 1, strlen(slash + 1) + 1);
    *slash = '\0';
    int dir = open_beneath(root, rel, 1);
    *slash = '/';
    return dir;
}

int sbx_walk(int root, const char *path, enum sbx_walk_mode mode, mode_t dir_mode) {
    char rel[PATH_MAX], last[NAME_MAX + 1];
    int dir = -1, missing = 0;
    if (plain_relative(path, rel) == 0) {
        // What exists: the whole path at once (a bind target made by an earlier step, a
        // bind source, a file to mask).
        int fd = open_beneath(root, rel, mode == SBX_WALK_DIR);
        if (fd >= 0 || (!must_walk(errno) && (errno != ENOENT || mode == SBX_WALK_EXISTING))) return fd;
        // To create: its parent at once, when that exists (the last component is then
        // known to be missing).
        if (!must_walk(errno)) {
            dir = fast_parent(root, rel, last);
            if (dir < 0 && errno != ENOENT && !must_walk(errno)) return -1;
            missing = dir >= 0;
        }
    }
    if (dir < 0) dir = walk_parent(root, path, mode != SBX_WALK_EXISTING, dir_mode, last);
    if (dir < 0) return -1;
    if (last[0] == '\0') return dir;  // the root itself
    int fd = -1;
    if (missing) errno = ENOENT;
    switch (mode) {
    case SBX_WALK_DIR:
        if (!missing) fd = open_component(dir, last, 1);
        if (fd < 0 && errno == ENOENT) {
            if (mkdirat(dir, last, dir_mode) < 0 && errno != EEXIST) break;
            fd = open_component(dir, last, 1);
        }
        break;
    case SBX_WALK_FILE:
        if (!missing) fd = open_component(dir, last, 0);
        if (fd < 0 && errno == ENOENT) {
            int f = openat(dir, last, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (f < 0) break;
            close(f);
            fd = open_component(dir, last, 0);
        }
        break;
    case SBX_WALK_EXISTING:
        fd = open_component(dir, last, 0);
        break;
    }
    int e = errno;
    close(dir);
    errno = e;
    return fd;
}

int sbx_symlink_at(int root, const char *path, const char *link_text) {
    char rel[PATH_MAX], last[NAME_MAX + 1];
    int dir = -1;
    if (plain_relative(path, rel) == 0) dir = fast_parent(root, rel, last);
    if (dir < 0) dir = walk_parent(root, path, 1, 0755, last);
    if (dir < 0) return -1;
    int rc = symlinkat(link_text, dir, last);
    int e = errno;
    close(dir);
    errno = e;
    return rc;
}

// open_tree of an absolute host path with no symlink followed in any component (the walk
// refuses them: ELOOP). Bind sources (the worktree, git metadata) are checked by path in the
// parent; with AT_SYMLINK_NOFOLLOW alone, open_tree still follows links in the directories
// above the last component, so a link swapped into one of them in between redirected the
// mount (reproduced for `repo/.worktrees/feature` and for git metadata inside a worktree).
int sbx_open_tree_nofollow(const char *path, unsigned int flags) {
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return -1;
    int fd = sbx_walk(root, path, SBX_WALK_EXISTING, 0);
    int e = errno;
    close(root);
    if (fd < 0) { errno = e; return -1; }
    int tree = (int)syscall(SYS_open_tree, fd, "", flags | AT_EMPTY_PATH);
    e = errno;
    close(fd);
    errno = e;
    return tree;
}
