// Small helpers shared by the probe's commands.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

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

mode_t parse_mode(const char *s) { return (mode_t)strtoul(s, NULL, 8); }

void sleep_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

int is_number(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) if (*s < '0' || *s > '9') return 0;
    return 1;
}

// The value of "Name:\t..." in a /proc/PID/status text, trimmed, into out.
int status_field(const char *status, const char *name, char *out, size_t cap) {
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
