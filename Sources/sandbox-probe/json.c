// The probe's output: one JSON object per run, written as it goes (see main.c).
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "probe.h"

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
void v_int(long long v) { comma(); printf("%lld", v); }
void v_raw(const char *text) { comma(); fputs(text, stdout); }
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
