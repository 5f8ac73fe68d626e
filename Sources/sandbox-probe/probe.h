// The probe's JSON writer and helpers, shared by main.c and escape.c.
#ifndef SANDBOX_PROBE_H
#define SANDBOX_PROBE_H
#include <stddef.h>
#include <sys/types.h>

void key(const char *k);
void begin(char c);
void end(char c);
void v_str(const char *s, size_t n);
void k_str(const char *k, const char *v);
void k_int(const char *k, long long v);
void k_bool(const char *k, int v);
// {"ok":true} or {"ok":false,"errno":N,"errno_name":"E...","error":"strerror"}
void k_result(int ok, int err);
int finish(void);
// Reads a whole small file; returns its length or -errno.
ssize_t slurp(const char *path, char *buf, size_t cap);
int usage(void);

// The commands of escape.c: its exit status, or -1 when argv[1] is none of them.
int escape_command(int argc, char **argv);
#endif
