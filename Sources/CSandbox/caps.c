// Capabilities with raw capget/capset: libcap allocates, so it stays in the parent.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int get_caps(struct __user_cap_data_struct data[2]) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    return (int)syscall(SYS_capget, &h, data);
}

static int set_caps(struct __user_cap_data_struct data[2]) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    return (int)syscall(SYS_capset, &h, data);
}

int sbx_caps_raise_effective(void) {
    struct __user_cap_data_struct d[2];
    if (get_caps(d) < 0) return -1;
    d[0].effective = d[0].permitted;
    d[1].effective = d[1].permitted;
    return set_caps(d);
}

// Order matters (GUIDE): bounding set first (needs CAP_SETPCAP, still held), then ambient,
// then inheritable/permitted/effective in one capset. Without the bounding drop, an exec
// of a file with capabilities could give some back.
int sbx_caps_drop_all_but(uint64_t keep) {
    for (int cap = 0; cap < 64; cap++) {
        if (keep & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL) break;  // past CAP_LAST_CAP of this kernel
            return -1;
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) return -1;
    struct __user_cap_data_struct d[2];
    if (get_caps(d) < 0) return -1;
    uint32_t lo = (uint32_t)keep, hi = (uint32_t)(keep >> 32);
    d[0].effective &= lo; d[0].permitted &= lo; d[0].inheritable = 0;
    d[1].effective &= hi; d[1].permitted &= hi; d[1].inheritable = 0;
    if (set_caps(d) < 0) return -1;
    if (keep) {
        // Kept capabilities survive execve only as ambient capabilities (which need them
        // inheritable first).
        d[0].inheritable = lo; d[1].inheritable = hi;
        if (set_caps(d) < 0) return -1;
        for (int cap = 0; cap < 64; cap++)
            if ((keep & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) return -1;
    }
    return 0;
}
