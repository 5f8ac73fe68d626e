// Network and IPC namespaces made ahead of time, on a helper thread, while the Swift parent
// resolves the worker, the profile and the plan on the main thread.
//
// Why: a new network namespace is the most expensive part of clone3 here (sysctl tables,
// the loopback device and its kobjects: ~0.5 ms of the 0.7 ms clone), and bringing `lo` up
// waits for an expedited RCU grace period. Planning is CPU-bound Swift, so on a second core
// both run side by side instead of one after the other.
//
// The namespaces belong to the initial user namespace (the runner is root), not to the
// sandbox's: the command has no capability over them, so it can neither reconfigure `lo` nor
// write /proc/sys/net (stricter than a namespace of its own, where its root could). The
// helper thread makes them and exits; only the descriptors keep them alive.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    pthread_t thread;
    int started;   // the thread exists and has not been joined
    int net_fd;    // the prepared namespaces, or -1
    int ipc_fd;
    int error;     // errno of the step that failed on the helper thread, or 0
} prepared = { .net_fd = -1, .ipc_fd = -1 };

static void *prepare_namespaces(void *unused) {
    (void)unused;
    // unshare(2) changes only this thread's namespaces; the main thread stays in the host's.
    if (unshare(CLONE_NEWNET | CLONE_NEWIPC) < 0 || sbx_loopback_up() < 0) {
        prepared.error = errno;
        return NULL;
    }
    prepared.net_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (prepared.net_fd < 0) { prepared.error = errno; return NULL; }
    prepared.ipc_fd = open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC);
    if (prepared.ipc_fd < 0) {
        prepared.error = errno;
        close(prepared.net_fd);
        prepared.net_fd = -1;
    }
    return NULL;
}

// `sandbox run` as root starts the helper before main, from the loader's initialisers:
// the Swift runtime's own start-up (~0.3 ms) then overlaps it too. glibc passes argc, argv
// and envp to ELF constructors. SANDBOX_NO_PREPARED_NAMESPACES=1 keeps to clone3.
__attribute__((constructor)) static void start_for_run(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 1 && argv && argv[1] && strcmp(argv[1], "run") == 0 && geteuid() == 0 &&
        !getenv("SANDBOX_NO_PREPARED_NAMESPACES")) {
        // While the helper runs on the other CPU, every page the main thread gives back to
        // the kernel (malloc trimming its heap, unmapping a large block) needs a TLB
        // shootdown there: an inter-processor interrupt, costly in a VM (seen in profiles of
        // the profile loader). A run's heap is a few MiB: keep it.
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        sbx_prepare_namespaces_start();
    }
}

int sbx_prepare_namespaces_start(void) {
    if (prepared.started) return 0;
    // On another CPU than this thread's: a new thread starts on its creator's CPU, and behind
    // the busy main thread it waited up to 2 ms for the scheduler to move it (measured).
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    cpu_set_t cpus;
    int here = sched_getcpu();
    if (here >= 0 && sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) > 1) {
        CPU_CLR(here, &cpus);
        pthread_attr_setaffinity_np(&attr, sizeof cpus, &cpus);
    }
    int rc = pthread_create(&prepared.thread, &attr, prepare_namespaces, NULL);
    pthread_attr_destroy(&attr);
    if (rc == EINVAL) rc = pthread_create(&prepared.thread, NULL, prepare_namespaces, NULL);  // a set it refused
    if (rc != 0) return -rc;
    prepared.started = 1;
    return 0;
}

int sbx_prepare_namespaces_take(int *net_fd, int *ipc_fd) {
    *net_fd = -1;
    *ipc_fd = -1;
    if (!prepared.started) return -ENOENT;
    prepared.started = 0;
    int rc = pthread_join(prepared.thread, NULL);
    if (rc != 0) return -rc;
    if (prepared.net_fd < 0) return -(prepared.error ? prepared.error : EIO);
    *net_fd = prepared.net_fd;
    *ipc_fd = prepared.ipc_fd;
    prepared.net_fd = prepared.ipc_fd = -1;
    return 0;
}
