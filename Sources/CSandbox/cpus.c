// Where a new task of the runner should start: on another CPU than the one the runner is
// on. A new task is queued on its creator's CPU; the runner keeps working after it forks
// (the namespace helper, prepared.c) and after it releases the sandbox's child (spawn.c),
// and the scheduler left the new task waiting behind it, or ran it first and made the
// runner wait, with the other CPU idle (perf sched timehist here: 0.4-0.9 ms in a third to
// a half of the runs).
#define _GNU_SOURCE
#include "internal.h"

int sbx_cpus_elsewhere(cpu_set_t *caller, cpu_set_t *others) {
    int here = sched_getcpu();
    if (here < 0 || here >= CPU_SETSIZE || sched_getaffinity(0, sizeof *caller, caller) < 0) return 0;
    if (CPU_COUNT(caller) < 2 || !CPU_ISSET(here, caller)) return 0;
    *others = *caller;
    CPU_CLR(here, others);
    return 1;
}
