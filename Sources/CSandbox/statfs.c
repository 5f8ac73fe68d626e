// See include/sbx_statfs.h.
#include "sbx_statfs.h"

#include <sys/vfs.h>

long sbx_statfs_type(const char *path) {
    struct statfs buffer;
    if (statfs(path, &buffer) != 0) return -1;
    return (long)buffer.f_type;
}
