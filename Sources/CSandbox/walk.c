// Symlink-free path walking: inside the new root (mount targets), and from the host's `/`
// for bind sources (sbx_open_tree_nofollow). Every component is opened with
// O_NOFOLLOW and checked with fstat, so neither a symlink nor a fifo or socket named like a
// mount target can stand in for a directory.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_component(int dir, const char *name, int want_dir) {
    int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) < 0) { int e = errno; close(fd); errno = e; return -1; }
    if (S_ISLNK(st.st_mode)) { close(fd); errno = ELOOP; return -1; }
    if (want_dir && !S_ISDIR(st.st_mode)) { close(fd); errno = ENOTDIR; return -1; }
    if (!want_dir && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
        close(fd); errno = EINVAL; return -1;
    }
    return fd;
}

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

int sbx_walk(int root, const char *path, enum sbx_walk_mode mode, mode_t dir_mode) {
    char last[NAME_MAX + 1];
    int dir = walk_parent(root, path, mode != SBX_WALK_EXISTING, dir_mode, last);
    if (dir < 0) return -1;
    if (last[0] == '\0') return dir;  // the root itself
    int fd = -1;
    switch (mode) {
    case SBX_WALK_DIR:
        fd = open_component(dir, last, 1);
        if (fd < 0 && errno == ENOENT) {
            if (mkdirat(dir, last, dir_mode) < 0 && errno != EEXIST) break;
            fd = open_component(dir, last, 1);
        }
        break;
    case SBX_WALK_FILE:
        fd = open_component(dir, last, 0);
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
    char last[NAME_MAX + 1];
    int dir = walk_parent(root, path, 1, 0755, last);
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
