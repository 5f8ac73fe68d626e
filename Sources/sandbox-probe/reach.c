// Attempts to reach beyond the sandbox: other processes (ptrace, kill), the kernel keyring,
// sockets (and `serve`, the host side of the network tests) and the terminal (TIOCSTI).
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <arpa/inet.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "probe.h"

int cmd_try_ptrace(pid_t pid) {
    long rc = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
    int err = rc < 0 ? errno : 0;
    if (rc == 0) {
        waitpid(pid, NULL, __WALL);
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
    }
    begin('{');
    k_int("pid", pid);
    k_result(rc == 0, err);
    end('}');
    return finish();
}

int cmd_try_kill(pid_t pid, int sig) {
    int rc = kill(pid, sig);
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_int("pid", pid);
    k_int("signal", sig);
    k_result(rc == 0, err);
    end('}');
    return finish();
}

int cmd_keyring_find(const char *name) {
    static char buf[4096];
    long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", name, 0);
    long n = id < 0 ? -1 : syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf);
    int err = n < 0 ? errno : 0;
    begin('{');
    k_str("name", name);
    k_result(n >= 0, err);
    if (n >= 0) {
        key("data");
        v_str(buf, (size_t)(n < (long)sizeof buf ? n : (long)sizeof buf));
    }
    end('}');
    return finish();
}

int cmd_with_session_key(const char *name, const char *value, char **argv) {
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 ||
        syscall(SYS_add_key, "user", name, value, strlen(value), KEY_SPEC_SESSION_KEYRING) < 0) {
        perror("sandbox-probe: with-session-key");
        return 125;
    }
    execv(argv[0], argv);
    perror("sandbox-probe: execv");
    return 127;
}

// A socket address from "tcp 127.0.0.1 PORT", "unix /path" or "abstract NAME".
static int make_address(const char *kind, const char *addr, const char *port,
                        struct sockaddr_storage *ss, socklen_t *len, int *family) {
    memset(ss, 0, sizeof *ss);
    if (strcmp(kind, "tcp") == 0 && port) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)atoi(port));
        if (inet_pton(AF_INET, addr, &in->sin_addr) != 1) return -1;
        *len = sizeof *in;
        *family = AF_INET;
        return 0;
    }
    struct sockaddr_un *un = (struct sockaddr_un *)ss;
    size_t n = strlen(addr);
    int abstract = strcmp(kind, "abstract") == 0;
    if ((!abstract && strcmp(kind, "unix") != 0) || n + 1 >= sizeof un->sun_path) return -1;
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path + abstract, addr, n);  // abstract: a leading NUL byte
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + abstract + n);
    *family = AF_UNIX;
    return 0;
}

int cmd_try_connect(const char *kind, const char *addr, const char *port) {
    struct sockaddr_storage ss;
    socklen_t len;
    int family, err = 0;
    if (make_address(kind, addr, port, &ss, &len, &family) < 0) return usage();
    int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&ss, len) < 0) err = errno;
    if (s >= 0) close(s);
    begin('{');
    k_str("kind", kind);
    k_str("address", addr);
    k_result(err == 0, err);
    end('}');
    return finish();
}

int cmd_serve(const char *kind, const char *addr, const char *port, long secs) {
    struct sockaddr_storage ss;
    socklen_t len;
    int family, one = 1;
    if (make_address(kind, addr, port, &ss, &len, &family) < 0) return usage();
    int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s >= 0) setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int err = (s < 0 || bind(s, (struct sockaddr *)&ss, len) < 0 || listen(s, 16) < 0) ? errno : 0;
    begin('{');
    k_str("listening", addr);
    k_result(err == 0, err);
    end('}');
    finish();
    if (err) return 1;
    for (long i = 0; i < secs * 100; i++) {
        int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) close(c);
        sleep_ms(10);
    }
    return 0;
}

// `high`: the request with bit 32 set; the kernel looks only at the low 32 bits, a filter
// comparing all 64 would miss it (flatpak CVE-2019-10063).
int cmd_try_tiocsti(const char *text, int high) {
    unsigned long request = (unsigned long)TIOCSTI | (high ? 1UL << 32 : 0);
    int err = 0;
    for (const char *c = text; *c && !err; c++)
        if (syscall(SYS_ioctl, 0, request, c) < 0) err = errno;
    begin('{');
    k_int("stdin_is_tty", isatty(0));
    k_result(err == 0, err);
    end('}');
    return finish();
}
