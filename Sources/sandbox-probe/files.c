// Attempts on files: read, write, chmod, open(O_CREAT), mkdir, mknod, links; `stat` and `ls`.
// The setuid/setgid attempts go through every entry point a filter must cover: the plain
// calls, their *at forms, and the x32 and i386 ABIs.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#define X32_SYSCALL_BIT 0x40000000L
// i386 numbers, for the same calls made through the 32-bit entry point (int 0x80).
#define I386_open 5
#define I386_chmod 15

// A 32-bit syscall from this 64-bit process: a seccomp filter written for x86_64 alone must
// not let it through with a different number. Pointers must fit in 32 bits: this static,
// non-PIE binary keeps `low_path` in .bss below 4 GiB. Returns -errno on failure.
static char low_path[4096];

static long syscall_i386(long nr, const char *path, long b, long c) {
#if defined(__x86_64__)
    if ((uintptr_t)low_path > 0xffffffffu || strlen(path) >= sizeof low_path) return -EFAULT;
    strcpy(low_path, path);
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(low_path), "c"(b), "d"(c) : "memory");
    return ret;
#else
    (void)nr; (void)path; (void)b; (void)c;
    return -ENOSYS;
#endif
}

// Wraps a -errno result the way syscall() reports errors.
static long neg_errno(long rc) {
    if (rc < 0 && rc > -4096) { errno = (int)-rc; return -1; }
    return rc;
}

// ---- Attempts ------------------------------------------------------------------------

int cmd_try_read(const char *path) {
    static char buf[4096];
    ssize_t n = slurp(path, buf, sizeof buf);
    begin('{');
    k_str("path", path);
    k_result(n >= 0, (int)-n);
    if (n >= 0) {
        key("data");
        v_str(buf, (size_t)n);
    }
    end('}');
    return finish();
}

int cmd_try_write(const char *path, const char *data) {
    const char *stage = "open";
    int err = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) err = errno;
    else if (data) {
        stage = "write";
        size_t len = strlen(data);
        ssize_t n = write(fd, data, len);
        if (n < 0) err = errno;
        else if ((size_t)n != len) err = EIO;
    }
    if (fd >= 0 && close(fd) < 0 && !err) { stage = "close"; err = errno; }
    begin('{');
    k_str("path", path);
    k_str("stage", stage);
    k_result(err == 0, err);
    end('}');
    return finish();
}

static void k_mode_of(const char *path) {
    struct stat st;
    if (lstat(path, &st) == 0) k_int("mode_after", st.st_mode & 07777);
}

int cmd_try_chmod(const char *path, const char *mode_s, const char *via) {
    mode_t mode = parse_mode(mode_s);
    long rc;
    int fd = -1;
    if (strcmp(via, "chmod") == 0) {
        rc = syscall(SYS_chmod, path, mode);
    } else if (strcmp(via, "fchmod") == 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        rc = fd < 0 ? -1 : syscall(SYS_fchmod, fd, mode);
    } else if (strcmp(via, "fchmodat") == 0) {
        rc = syscall(SYS_fchmodat, AT_FDCWD, path, mode);
    } else if (strcmp(via, "fchmodat2") == 0) {
        rc = syscall(SYS_fchmodat2, AT_FDCWD, path, mode, 0);
    } else if (strcmp(via, "x32") == 0) {
        rc = syscall(X32_SYSCALL_BIT | SYS_chmod, path, mode);
    } else if (strcmp(via, "i386") == 0) {
        rc = neg_errno(syscall_i386(I386_chmod, path, mode, 0));
    } else {
        errno = EINVAL;
        rc = -1;
    }
    int err = rc < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    begin('{');
    k_str("path", path);
    k_str("via", via);
    k_result(rc == 0, err);
    k_mode_of(path);
    end('}');
    return finish();
}

// Raw syscalls, so that each entry point of the seccomp filter is exercised as named.
int cmd_try_open_creat(const char *path, const char *mode_s, const char *via) {
    mode_t mode = parse_mode(mode_s);
    long fd;
    if (strcmp(via, "open") == 0) fd = syscall(SYS_open, path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
    else if (strcmp(via, "openat") == 0) fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
    else if (strcmp(via, "creat") == 0) fd = syscall(SYS_creat, path, mode);
    else if (strcmp(via, "x32") == 0) fd = syscall(X32_SYSCALL_BIT | SYS_open, path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
    else if (strcmp(via, "i386") == 0) fd = neg_errno(syscall_i386(I386_open, path, O_WRONLY | O_CREAT, mode));
    else { errno = EINVAL; fd = -1; }
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) close((int)fd);
    begin('{');
    k_str("path", path);
    k_str("via", via);
    k_result(fd >= 0, err);
    k_mode_of(path);
    end('}');
    return finish();
}

int cmd_try_mkdir(const char *path, const char *mode_s, const char *via) {
    mode_t mode = parse_mode(mode_s);
    long rc;
    if (strcmp(via, "mkdir") == 0) rc = syscall(SYS_mkdir, path, mode);
    else if (strcmp(via, "mkdirat") == 0) rc = syscall(SYS_mkdirat, AT_FDCWD, path, mode);
    else { errno = EINVAL; rc = -1; }
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_str("path", path);
    k_str("via", via);
    k_result(rc == 0, err);
    k_mode_of(path);
    end('}');
    return finish();
}

int cmd_try_mknod(const char *path, const char *mode_s) {
    long rc = syscall(SYS_mknodat, AT_FDCWD, path, S_IFREG | parse_mode(mode_s), 0);
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_str("path", path);
    k_result(rc == 0, err);
    k_mode_of(path);
    end('}');
    return finish();
}

int cmd_try_link(const char *old, const char *new, int symbolic) {
    int rc = symbolic ? symlink(old, new) : link(old, new);
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_str("path", new);
    k_result(rc == 0, err);
    end('}');
    return finish();
}

int cmd_stat(const char *path) {
    struct stat st;
    int rc = lstat(path, &st);
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_str("path", path);
    k_result(rc == 0, err);
    if (rc == 0) {
        k_int("uid", st.st_uid);
        k_int("gid", st.st_gid);
        k_int("mode", st.st_mode & 07777);
        k_str("type", S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : S_ISLNK(st.st_mode) ? "symlink" : "other");
    }
    end('}');
    return finish();
}

int cmd_ls(const char *path) {
    DIR *d = opendir(path);
    int err = d ? 0 : errno;
    begin('{');
    k_str("path", path);
    k_result(d != NULL, err);
    if (d) {
        key("entries");
        begin('[');
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) v_str(e->d_name, strlen(e->d_name));
        }
        closedir(d);
        end(']');
    }
    end('}');
    return finish();
}
