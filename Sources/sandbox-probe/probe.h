// The probe's shared declarations: the JSON writer (json.c), helpers (helpers.c) and the
// commands, one file per kind (facts.c, files.c, reach.c, processes.c, escape.c), which
// main.c dispatches to.
#ifndef SANDBOX_PROBE_H
#define SANDBOX_PROBE_H
#include <stddef.h>
#include <sys/types.h>

// ---- JSON output (json.c) ----
void key(const char *k);
void begin(char c);
void end(char c);
void v_str(const char *s, size_t n);
void v_int(long long v);
void v_raw(const char *text);  // a literal: null, true, a number
void k_str(const char *k, const char *v);
void k_int(const char *k, long long v);
void k_bool(const char *k, int v);
// {"ok":true} or {"ok":false,"errno":N,"errno_name":"E...","error":"strerror"}
void k_result(int ok, int err);
int finish(void);

// ---- Helpers (helpers.c) ----
// Reads a whole small file; returns its length or -errno.
ssize_t slurp(const char *path, char *buf, size_t cap);
mode_t parse_mode(const char *s);
void sleep_ms(long ms);
int is_number(const char *s);
// The value of "Name:\t..." in a /proc/PID/status text, trimmed, into out.
int status_field(const char *status, const char *name, char *out, size_t cap);
int usage(void);

// ---- Commands: each prints one JSON line; the return value is the exit status ----
void record_startup_fds(void);  // first thing in main, for `facts`' fd list
int cmd_facts(void);
// The "processes" member of `facts`: every pid in /proc with its state (zombies included).
void facts_processes(void);
int cmd_try_read(const char *path);
int cmd_try_write(const char *path, const char *data);
int cmd_try_chmod(const char *path, const char *mode_s, const char *via);
int cmd_try_open_creat(const char *path, const char *mode_s, const char *via);
int cmd_try_mkdir(const char *path, const char *mode_s, const char *via);
int cmd_try_mknod(const char *path, const char *mode_s);
int cmd_try_link(const char *old, const char *new, int symbolic);
int cmd_stat(const char *path);
int cmd_ls(const char *path);
int cmd_try_ptrace(pid_t pid);
int cmd_try_kill(pid_t pid, int sig);
int cmd_keyring_find(const char *name);
int cmd_with_session_key(const char *name, const char *value, char **argv);
int cmd_try_connect(const char *kind, const char *addr, const char *port);
int cmd_serve(const char *kind, const char *addr, const char *port, long secs);
int cmd_try_tiocsti(const char *text, int high);
int cmd_spawn_orphans(int count, long life_ms);
int cmd_spawn_daemon(long secs);
int cmd_flip(const char *a, const char *b, long secs);
int cmd_sleep(const char *secs);
// The commands of escape.c: its exit status, or -1 when argv[1] is none of them.
int escape_command(int argc, char **argv);
#endif
