// Shared between the C files of CSandbox; not part of the Swift interface.
#ifndef CSANDBOX_INTERNAL_H
#define CSANDBOX_INTERNAL_H

#include "csandbox.h"

#include <sched.h>

// Exit code of a child whose setup failed; the parent reads the reason from the report pipe.
#define SBX_SETUP_EXIT 125

enum sbx_walk_mode {
    SBX_WALK_DIR,       // create missing directories, the last one included
    SBX_WALK_FILE,      // create missing parents, then an empty regular file
    SBX_WALK_EXISTING,  // everything must exist
};

void sbx_report(int fd, int kind, int stage, int step, int value);
_Noreturn void sbx_fail(const struct sbx_recipe *r, int stage, int step, int err);
_Noreturn void sbx_child_main(struct sbx_recipe *r);
_Noreturn void sbx_init_main(const struct sbx_recipe *r);

// Opens `path` (absolute, inside `root`) as an O_PATH fd, component by component, never
// following a symlink: a hostile link inside the worktree cannot redirect a mount.
int sbx_walk(int root, const char *path, enum sbx_walk_mode mode, mode_t dir_mode);
int sbx_symlink_at(int root, const char *path, const char *link_text);

// Brings `lo` up in the caller's network namespace (SIOCSIFFLAGS); 0, or -1 with errno.
int sbx_loopback_up(void);

// The caller's affinity in `caller`, and in `others` the same but the CPU this thread is on:
// 1, or 0 (both unusable) when there is no other CPU to start a new task on (cpus.c).
int sbx_cpus_elsewhere(cpu_set_t *caller, cpu_set_t *others);

int sbx_caps_raise_effective(void);
int sbx_caps_drop_all_but(uint64_t keep);

#endif
