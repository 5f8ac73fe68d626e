// sandbox-probe: a test helper that runs INSIDE the sandbox and prints, as one JSON object
// on stdout, what it sees or what happened when it tried something. The integration tests
// compare this with what they check on the host side.
//
// Plain C with libc only: it must start in a root that holds /usr and /etc and nothing else
// (no Swift runtime, no /opt). Every subcommand prints exactly one JSON line and exits 0,
// except `exit`, `kill-self` and `sleep`, whose point is how they end.
//
//   facts                          identity, capabilities, namespaces, network, processes,
//                                  fds, environment (own and /proc/1/environ), hostname, cwd
//   try-read PATH                  open + read (up to 4 KiB of data is returned)
//   try-write PATH [DATA]          open(O_WRONLY|O_CREAT|O_APPEND, 0644), then write DATA if given
//   try-chmod PATH MODE [VIA]      VIA: chmod (default) | fchmod | fchmodat | fchmodat2 | x32 | i386
//   try-open-creat PATH MODE [VIA] VIA: open | openat (default) | creat | x32 | i386
//                                  (x32: the x32 ABI's numbers; i386: int 0x80, the 32-bit entry)
//   try-mkdir PATH MODE [VIA]      VIA: mkdir (default) | mkdirat
//   try-mknod PATH MODE            a regular file via mknod (S_IFREG | MODE)
//   try-link OLD NEW               hard link
//   try-symlink TARGET LINK
//   try-ptrace PID                 PTRACE_ATTACH (detaches again if it worked)
//   try-kill PID SIG               kill(PID, SIG); PID -1 means every process it may signal
//   keyring-find NAME              search the session keyring for a "user" key NAME and read it
//   with-session-key NAME VALUE PROG [ARG...]
//                                  join a new session keyring holding key NAME=VALUE, then exec
//                                  PROG (the host side of the keyring test: a caller's secret)
//   try-connect KIND ADDR [PORT]   KIND: tcp (ADDR PORT) | unix (a path) | abstract (a name)
//   serve KIND ADDR [PORT] SECS    listen there for SECS seconds, accepting and closing (the
//                                  host side of the network tests)
//   try-tiocsti TEXT [high]        push TEXT into the input queue of the terminal on fd 0
//                                  (high: with bit 32 of the request set)
//   stat PATH                      lstat as seen inside
//   ls PATH                        directory entries
//   spawn-orphans N LIFE_MS        N grandchildren orphaned to PID 1, each exits after LIFE_MS;
//                                  reports who adopted them and the zombies left afterwards
//   spawn-daemon SECS              a setsid'd grandchild that outlives the probe (sleeps SECS)
//   flip A B SECS                  swaps the names A and B (renameat2 RENAME_EXCHANGE) as fast as
//                                  it can for SECS seconds: the attacker's half of a link race
//   sleep SECS                     prints {"sleeping":...} first, then sleeps (fractions allowed)
//   exit N                         exits with N
//   kill-self SIG                  raises SIG with its default action
//   (and the escape-class attacks of escape.c: handle, try-open-handle, try-mount, fill,
//   open-many)
//
// Extra trailing arguments are ignored, so tests can append a marker that makes the process
// easy to find in the host's /proc.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/keyctl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stddef.h>
#include <sys/un.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
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

int usage(void);

// ---- JSON output ---------------------------------------------------------------------
// A tiny writer: `sep` tracks whether a comma is needed before the next member.

static int sep;

static void put_string(const char *s, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);  // bytes, not code points
        else putchar(c);
    }
    putchar('"');
}

static void put_cstr(const char *s) { put_string(s, strlen(s)); }

// A value (or "{" / "[") needs a comma when a sibling came before it; a key's value never does.
static void comma(void) {
    if (sep) putchar(',');
    sep = 1;
}

void key(const char *k) {
    comma();
    put_cstr(k);
    putchar(':');
    sep = 0;
}

void begin(char c) {
    comma();
    putchar(c);
    sep = 0;
}

void end(char c) {
    putchar(c);
    sep = 1;
}

void v_str(const char *s, size_t n) { comma(); put_string(s, n); }
static void v_int(long long v) { comma(); printf("%lld", v); }
static void v_raw(const char *text) { comma(); fputs(text, stdout); }
void k_str(const char *k, const char *v) { key(k); if (v) v_str(v, strlen(v)); else v_raw("null"); }
void k_int(const char *k, long long v) { key(k); v_int(v); }
void k_bool(const char *k, int v) { key(k); v_raw(v ? "true" : "false"); }

// {"ok":true} or {"ok":false,"errno":N,"errno_name":"E...","error":"strerror"}
void k_result(int ok, int err) {
    k_bool("ok", ok);
    if (!ok) {
        k_int("errno", err);
        k_str("errno_name", strerrorname_np(err));
        k_str("error", strerror(err));
    }
}

int finish(void) {
    putchar('\n');
    fflush(stdout);
    return 0;
}

// ---- Helpers -------------------------------------------------------------------------

// Reads a whole small file; returns its length or -errno.
ssize_t slurp(const char *path, char *buf, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t len = 0;
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { int e = errno; close(fd); return -e; }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    return (ssize_t)len;
}

static mode_t parse_mode(const char *s) { return (mode_t)strtoul(s, NULL, 8); }

static void sleep_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

static int is_number(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) if (*s < '0' || *s > '9') return 0;
    return 1;
}

// The value of "Name:\t..." in a /proc/PID/status text, trimmed, into out.
static int status_field(const char *status, const char *name, char *out, size_t cap) {
    size_t nlen = strlen(name);
    for (const char *line = status; line && *line; ) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > nlen && strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t vlen = len - (size_t)(v - line);
            if (vlen >= cap) vlen = cap - 1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return 1;
        }
        line = eol ? eol + 1 : NULL;
    }
    return 0;
}

// ---- facts ---------------------------------------------------------------------------

// fds open at startup, recorded before the probe opens anything itself.
static int startup_fds[256];
static int startup_fd_count;

static void record_startup_fds(void) {
    for (int fd = 0; fd < 4096 && startup_fd_count < 256; fd++)
        if (fcntl(fd, F_GETFD) >= 0) startup_fds[startup_fd_count++] = fd;
}

// A NUL-separated file (environ, cmdline) as an array of strings, or {"errno":...}.
static void k_nul_list(const char *k, const char *path) {
    static char buf[65536];
    ssize_t n = slurp(path, buf, sizeof buf);
    key(k);
    if (n < 0) {
        begin('{');
        k_result(0, (int)-n);
        end('}');
        return;
    }
    begin('[');
    for (ssize_t i = 0; i < n; ) {
        size_t len = strnlen(buf + i, (size_t)(n - i));
        if (len) v_str(buf + i, len);
        i += (ssize_t)len + 1;
    }
    end(']');
}

static void k_file_text(const char *k, const char *path) {
    static char buf[8192];
    ssize_t n = slurp(path, buf, sizeof buf);
    key(k);
    if (n < 0) v_raw("null");
    else v_str(buf, (size_t)n);
}

static void facts_status(void) {
    static const char *fields[] = {
        "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Uid", "Gid", "Groups",
    };
    static char status[8192];
    ssize_t n = slurp("/proc/self/status", status, sizeof status - 1);
    status[n < 0 ? 0 : n] = '\0';
    key("status");
    begin('{');
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char v[256];
        k_str(fields[i], status_field(status, fields[i], v, sizeof v) ? v : NULL);
    }
    end('}');
}

static void facts_namespaces(void) {
    static const char *names[] = { "user", "mnt", "pid", "net", "uts", "ipc", "cgroup" };
    key("namespaces");
    begin('{');
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[64], link[128];
        snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
        ssize_t n = readlink(path, link, sizeof link - 1);
        link[n < 0 ? 0 : n] = '\0';
        k_str(names[i], n < 0 ? NULL : link);
    }
    end('}');
}

static void facts_interfaces(void) {
    key("interfaces");
    begin('[');
    struct if_nameindex *ifs = if_nameindex();
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", i->if_name);
        int up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
        begin('{');
        k_str("name", i->if_name);
        k_bool("up", up);
        end('}');
    }
    if (s >= 0) close(s);
    if (ifs) if_freenameindex(ifs);
    end(']');
}

// Every process visible in /proc: pid, state letter, ppid, name.
static void facts_processes(void) {
    key("processes");
    begin('[');
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!is_number(e->d_name)) continue;
        char path[300], status[4096], state[64] = "", ppid[32] = "", name[64] = "";
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        ssize_t n = slurp(path, status, sizeof status - 1);
        if (n < 0) continue;
        status[n] = '\0';
        status_field(status, "State", state, sizeof state);
        status_field(status, "PPid", ppid, sizeof ppid);
        status_field(status, "Name", name, sizeof name);
        begin('{');
        k_int("pid", atoll(e->d_name));
        k_int("ppid", atoll(ppid));
        key("state");
        v_str(state, state[0] ? 1 : 0);
        k_str("name", name);
        end('}');
    }
    if (d) closedir(d);
    end(']');
}

extern char **environ;

static int cmd_facts(void) {
    char buf[4096];
    begin('{');
    k_int("uid", getuid());
    k_int("euid", geteuid());
    k_int("gid", getgid());
    k_int("egid", getegid());
    k_int("pid", getpid());
    k_int("ppid", getppid());
    k_int("sid", getsid(0));
    k_int("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    k_file_text("uid_map", "/proc/self/uid_map");
    k_file_text("gid_map", "/proc/self/gid_map");
    k_file_text("setgroups", "/proc/self/setgroups");
    facts_status();
    facts_namespaces();
    k_str("hostname", gethostname(buf, sizeof buf) == 0 ? buf : NULL);
    k_str("cwd", getcwd(buf, sizeof buf));
    facts_interfaces();
    facts_processes();
    key("fds");
    begin('[');
    for (int i = 0; i < startup_fd_count; i++) v_int(startup_fds[i]);
    end(']');
    key("environ");
    begin('[');
    for (char **e = environ; *e; e++) v_str(*e, strlen(*e));
    end(']');
    k_nul_list("proc1_environ", "/proc/1/environ");
    k_nul_list("proc1_cmdline", "/proc/1/cmdline");
    end('}');
    return finish();
}

// ---- Attempts ------------------------------------------------------------------------

static int cmd_try_read(const char *path) {
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

static int cmd_try_write(const char *path, const char *data) {
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

static int cmd_try_chmod(const char *path, const char *mode_s, const char *via) {
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
static int cmd_try_open_creat(const char *path, const char *mode_s, const char *via) {
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

static int cmd_try_mkdir(const char *path, const char *mode_s, const char *via) {
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

static int cmd_try_mknod(const char *path, const char *mode_s) {
    long rc = syscall(SYS_mknodat, AT_FDCWD, path, S_IFREG | parse_mode(mode_s), 0);
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_str("path", path);
    k_result(rc == 0, err);
    k_mode_of(path);
    end('}');
    return finish();
}

static int cmd_try_link(const char *old, const char *new, int symbolic) {
    int rc = symbolic ? symlink(old, new) : link(old, new);
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_str("path", new);
    k_result(rc == 0, err);
    end('}');
    return finish();
}

static int cmd_try_ptrace(pid_t pid) {
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

static int cmd_try_kill(pid_t pid, int sig) {
    int rc = kill(pid, sig);
    int err = rc < 0 ? errno : 0;
    begin('{');
    k_int("pid", pid);
    k_int("signal", sig);
    k_result(rc == 0, err);
    end('}');
    return finish();
}

static int cmd_keyring_find(const char *name) {
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

static int cmd_with_session_key(const char *name, const char *value, char **argv) {
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

static int cmd_try_connect(const char *kind, const char *addr, const char *port) {
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

static int cmd_serve(const char *kind, const char *addr, const char *port, long secs) {
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
static int cmd_try_tiocsti(const char *text, int high) {
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

static int cmd_stat(const char *path) {
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

static int cmd_ls(const char *path) {
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

// ---- Processes -----------------------------------------------------------------------

// Forks a child that forks a grandchild and exits at once: the grandchild is orphaned and
// must be adopted (and later reaped) by the sandbox's PID 1. Returns the grandchild's pid.
static pid_t orphan(long life_ms, int new_session) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        pid_t g = fork();
        if (g == 0) {
            close(p[0]);
            close(p[1]);
            if (new_session) setsid();
            sleep_ms(life_ms);
            _exit(0);
        }
        ssize_t w = write(p[1], &g, sizeof g);
        _exit(w == (ssize_t)sizeof g ? 0 : 1);
    }
    close(p[1]);
    pid_t g = -1;
    if (read(p[0], &g, sizeof g) != (ssize_t)sizeof g) g = -1;
    close(p[0]);
    waitpid(child, NULL, 0);
    return g;
}

static long ppid_of(pid_t pid) {
    char path[64], status[4096], v[32];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    ssize_t n = slurp(path, status, sizeof status - 1);
    if (n < 0) return -1;
    status[n] = '\0';
    return status_field(status, "PPid", v, sizeof v) ? atol(v) : -1;
}

static int cmd_spawn_orphans(int count, long life_ms) {
    pid_t pids[64];
    if (count > 64) count = 64;
    for (int i = 0; i < count; i++) pids[i] = orphan(life_ms, 0);
    sleep_ms(life_ms / 4);
    begin('{');
    key("orphans");
    begin('[');
    for (int i = 0; i < count; i++) {
        begin('{');
        k_int("pid", pids[i]);
        k_int("ppid_while_alive", ppid_of(pids[i]));
        end('}');
    }
    end(']');
    sleep_ms(life_ms + 500);
    // Whatever is left: a reaped orphan is gone from /proc, an unreaped one is a zombie.
    facts_processes();
    end('}');
    return finish();
}

static int cmd_spawn_daemon(long secs) {
    pid_t g = orphan(secs * 1000, 1);
    begin('{');
    k_int("daemon_pid", g);
    end('}');
    return finish();
}

static int cmd_flip(const char *a, const char *b, long secs) {
    time_t deadline = time(NULL) + secs;
    long flips = 0;
    int err = 0;
    while (time(NULL) < deadline) {
        if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0) flips++;
        else { err = errno; break; }
    }
    begin('{');
    k_result(err == 0, err);
    k_int("flips", flips);
    end('}');
    return finish();
}

static int cmd_sleep(const char *secs) {
    double s = strtod(secs, NULL);
    begin('{');
    k_int("pid", getpid());
    k_str("sleeping", secs);
    end('}');
    finish();
    sleep_ms((long)(s * 1000));
    return 0;
}

// ---- main ----------------------------------------------------------------------------

int usage(void) {
    fputs("usage: sandbox-probe facts | try-read PATH | try-write PATH [DATA] | try-chmod PATH MODE [VIA]\n"
          "       | try-open-creat PATH MODE [VIA] | try-mkdir PATH MODE [VIA] | try-mknod PATH MODE\n"
          "       | try-link OLD NEW | try-symlink TARGET LINK | try-ptrace PID | try-kill PID SIG\n"
          "       | keyring-find NAME | with-session-key NAME VALUE PROG [ARG...] | stat PATH | ls PATH\n"
          "       | try-connect KIND ADDR [PORT] | serve KIND ADDR [PORT] SECS | try-tiocsti TEXT [high]\n"
          "       | spawn-orphans N LIFE_MS | spawn-daemon SECS | flip A B SECS | sleep SECS | exit N\n"
          "       | kill-self SIG\n",
          stderr);
    return 2;
}

int main(int argc, char **argv) {
    record_startup_fds();
    if (argc < 2) return usage();
    const char *cmd = argv[1];
    const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL, *c = argc > 4 ? argv[4] : NULL;

    if (strcmp(cmd, "facts") == 0) return cmd_facts();
    if (strcmp(cmd, "try-read") == 0 && a) return cmd_try_read(a);
    if (strcmp(cmd, "try-write") == 0 && a) return cmd_try_write(a, b);
    if (strcmp(cmd, "try-chmod") == 0 && b) return cmd_try_chmod(a, b, c ? c : "chmod");
    if (strcmp(cmd, "try-open-creat") == 0 && b) return cmd_try_open_creat(a, b, c ? c : "openat");
    if (strcmp(cmd, "try-mkdir") == 0 && b) return cmd_try_mkdir(a, b, c ? c : "mkdir");
    if (strcmp(cmd, "try-mknod") == 0 && b) return cmd_try_mknod(a, b);
    if (strcmp(cmd, "try-link") == 0 && b) return cmd_try_link(a, b, 0);
    if (strcmp(cmd, "try-symlink") == 0 && b) return cmd_try_link(a, b, 1);
    if (strcmp(cmd, "try-ptrace") == 0 && a) return cmd_try_ptrace(atoi(a));
    if (strcmp(cmd, "try-kill") == 0 && b) return cmd_try_kill(atoi(a), atoi(b));
    if (strcmp(cmd, "keyring-find") == 0 && a) return cmd_keyring_find(a);
    if (strcmp(cmd, "with-session-key") == 0 && argc > 4) return cmd_with_session_key(a, b, argv + 4);
    if (strcmp(cmd, "try-connect") == 0 && b) return cmd_try_connect(a, b, c);
    if (strcmp(cmd, "serve") == 0 && c) {
        int tcp = strcmp(a, "tcp") == 0;
        if (tcp && argc < 6) return usage();
        return cmd_serve(a, b, tcp ? c : NULL, atol(tcp ? argv[5] : c));
    }
    if (strcmp(cmd, "try-tiocsti") == 0 && a) return cmd_try_tiocsti(a, b && strcmp(b, "high") == 0);
    if (strcmp(cmd, "stat") == 0 && a) return cmd_stat(a);
    if (strcmp(cmd, "ls") == 0 && a) return cmd_ls(a);
    if (strcmp(cmd, "spawn-orphans") == 0 && b) return cmd_spawn_orphans(atoi(a), atol(b));
    if (strcmp(cmd, "spawn-daemon") == 0 && a) return cmd_spawn_daemon(atol(a));
    if (strcmp(cmd, "flip") == 0 && c) return cmd_flip(a, b, atol(c));
    if (strcmp(cmd, "sleep") == 0 && a) return cmd_sleep(a);
    if (strcmp(cmd, "exit") == 0 && a) return atoi(a);
    int escape = escape_command(argc, argv);
    if (escape >= 0) return escape;
    if (strcmp(cmd, "kill-self") == 0 && a) {
        signal(atoi(a), SIG_DFL);
        raise(atoi(a));
        return 1;  // not reached for a fatal signal
    }
    return usage();
}
