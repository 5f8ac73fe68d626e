// statfs(2) for Swift: Glibc's module does not include <sys/vfs.h>. Used to tell cgroup v2
// from v1 by the filesystem magic (linux/magic.h), as runc and crun do.
#ifndef SBX_STATFS_H
#define SBX_STATFS_H

// The f_type of the filesystem holding `path`, or -1 with errno set.
long sbx_statfs_type(const char *path);

#endif
