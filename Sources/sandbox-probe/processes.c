// Process-tree commands: orphans for the init to reap, a daemon that outlives the probe, the
// link-swapping attacker of the race tests, and sleep.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "probe.h"

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

int cmd_spawn_orphans(int count, long life_ms) {
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

int cmd_spawn_daemon(long secs) {
    pid_t g = orphan(secs * 1000, 1);
    begin('{');
    k_int("daemon_pid", g);
    end('}');
    return finish();
}

int cmd_flip(const char *a, const char *b, long secs) {
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

int cmd_sleep(const char *secs) {
    double s = strtod(secs, NULL);
    begin('{');
    k_int("pid", getpid());
    k_str("sleeping", secs);
    end('}');
    finish();
    sleep_ms((long)(s * 1000));
    return 0;
}
