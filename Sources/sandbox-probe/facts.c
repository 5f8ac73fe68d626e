// `facts`: what the probe sees of its identity, capabilities, namespaces, network,
// processes, descriptors, environment, hostname and working directory.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "probe.h"

// ---- facts ---------------------------------------------------------------------------

// fds open at startup, recorded before the probe opens anything itself.
static int startup_fds[256];
static int startup_fd_count;

void record_startup_fds(void) {
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
void facts_processes(void) {
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

int cmd_facts(void) {
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
