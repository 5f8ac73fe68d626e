// sandbox-probe: a test helper that runs INSIDE the sandbox and prints, as one JSON object
// on stdout, what it sees or what happened when it tried something. The integration tests
// compare this with what they check on the host side.
//
// Plain C with libc only: it must start in a root that holds /usr and /etc and nothing else
// (no Swift runtime, no /opt). Every subcommand prints exactly one JSON line and exits 0,
// except `exit`, `kill-self` and `sleep`, whose point is how they end.
//
//   facts                          identity, capabilities, namespaces, network, processes,
//                                  fds, environment (own and /proc/1/environ), hostname, cwd
//   try-read PATH                  open + read (up to 4 KiB of data is returned)
//   try-write PATH [DATA]          open(O_WRONLY|O_CREAT|O_APPEND, 0644), then write DATA if given
//   try-chmod PATH MODE [VIA]      VIA: chmod (default) | fchmod | fchmodat | fchmodat2 | x32 | i386
//   try-open-creat PATH MODE [VIA] VIA: open | openat (default) | creat | x32 | i386
//                                  (x32: the x32 ABI's numbers; i386: int 0x80, the 32-bit entry)
//   try-mkdir PATH MODE [VIA]      VIA: mkdir (default) | mkdirat
//   try-mknod PATH MODE            a regular file via mknod (S_IFREG | MODE)
//   try-link OLD NEW               hard link
//   try-symlink TARGET LINK
//   try-ptrace PID                 PTRACE_ATTACH (detaches again if it worked)
//   try-kill PID SIG               kill(PID, SIG); PID -1 means every process it may signal
//   keyring-find NAME              search the session keyring for a "user" key NAME and read it
//   with-session-key NAME VALUE PROG [ARG...]
//                                  join a new session keyring holding key NAME=VALUE, then exec
//                                  PROG (the host side of the keyring test: a caller's secret)
//   try-connect KIND ADDR [PORT]   KIND: tcp (ADDR PORT) | unix (a path) | abstract (a name)
//   serve KIND ADDR [PORT] SECS    listen there for SECS seconds, accepting and closing (the
//                                  host side of the network tests)
//   try-tiocsti TEXT [high]        push TEXT into the input queue of the terminal on fd 0
//                                  (high: with bit 32 of the request set)
//   stat PATH                      lstat as seen inside
//   ls PATH                        directory entries
//   spawn-orphans N LIFE_MS        N grandchildren orphaned to PID 1, each exits after LIFE_MS;
//                                  reports who adopted them and the zombies left afterwards
//   spawn-daemon SECS              a setsid'd grandchild that outlives the probe (sleeps SECS)
//   flip A B SECS                  swaps the names A and B (renameat2 RENAME_EXCHANGE) as fast as
//                                  it can for SECS seconds: the attacker's half of a link race
//   sleep SECS                     prints {"sleeping":...} first, then sleeps (fractions allowed)
//   exit N                         exits with N
//   kill-self SIG                  raises SIG with its default action
//   (and the escape-class attacks of escape.c: handle, try-open-handle, try-mount, fill,
//   open-many)
//
// Extra trailing arguments are ignored, so tests can append a marker that makes the process
// easy to find in the host's /proc.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "probe.h"

// ---- main ----------------------------------------------------------------------------

int usage(void) {
    fputs("usage: sandbox-probe facts | try-read PATH | try-write PATH [DATA] | try-chmod PATH MODE [VIA]\n"
          "       | try-open-creat PATH MODE [VIA] | try-mkdir PATH MODE [VIA] | try-mknod PATH MODE\n"
          "       | try-link OLD NEW | try-symlink TARGET LINK | try-ptrace PID | try-kill PID SIG\n"
          "       | keyring-find NAME | with-session-key NAME VALUE PROG [ARG...] | stat PATH | ls PATH\n"
          "       | try-connect KIND ADDR [PORT] | serve KIND ADDR [PORT] SECS | try-tiocsti TEXT [high]\n"
          "       | spawn-orphans N LIFE_MS | spawn-daemon SECS | flip A B SECS | sleep SECS | exit N\n"
          "       | kill-self SIG\n",
          stderr);
    return 2;
}

int main(int argc, char **argv) {
    record_startup_fds();
    if (argc < 2) return usage();
    const char *cmd = argv[1];
    const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL, *c = argc > 4 ? argv[4] : NULL;

    if (strcmp(cmd, "facts") == 0) return cmd_facts();
    if (strcmp(cmd, "try-read") == 0 && a) return cmd_try_read(a);
    if (strcmp(cmd, "try-write") == 0 && a) return cmd_try_write(a, b);
    if (strcmp(cmd, "try-chmod") == 0 && b) return cmd_try_chmod(a, b, c ? c : "chmod");
    if (strcmp(cmd, "try-open-creat") == 0 && b) return cmd_try_open_creat(a, b, c ? c : "openat");
    if (strcmp(cmd, "try-mkdir") == 0 && b) return cmd_try_mkdir(a, b, c ? c : "mkdir");
    if (strcmp(cmd, "try-mknod") == 0 && b) return cmd_try_mknod(a, b);
    if (strcmp(cmd, "try-link") == 0 && b) return cmd_try_link(a, b, 0);
    if (strcmp(cmd, "try-symlink") == 0 && b) return cmd_try_link(a, b, 1);
    if (strcmp(cmd, "try-ptrace") == 0 && a) return cmd_try_ptrace(atoi(a));
    if (strcmp(cmd, "try-kill") == 0 && b) return cmd_try_kill(atoi(a), atoi(b));
    if (strcmp(cmd, "keyring-find") == 0 && a) return cmd_keyring_find(a);
    if (strcmp(cmd, "with-session-key") == 0 && argc > 4) return cmd_with_session_key(a, b, argv + 4);
    if (strcmp(cmd, "try-connect") == 0 && b) return cmd_try_connect(a, b, c);
    if (strcmp(cmd, "serve") == 0 && c) {
        int tcp = strcmp(a, "tcp") == 0;
        if (tcp && argc < 6) return usage();
        return cmd_serve(a, b, tcp ? c : NULL, atol(tcp ? argv[5] : c));
    }
    if (strcmp(cmd, "try-tiocsti") == 0 && a) return cmd_try_tiocsti(a, b && strcmp(b, "high") == 0);
    if (strcmp(cmd, "stat") == 0 && a) return cmd_stat(a);
    if (strcmp(cmd, "ls") == 0 && a) return cmd_ls(a);
    if (strcmp(cmd, "spawn-orphans") == 0 && b) return cmd_spawn_orphans(atoi(a), atol(b));
    if (strcmp(cmd, "spawn-daemon") == 0 && a) return cmd_spawn_daemon(atol(a));
    if (strcmp(cmd, "flip") == 0 && c) return cmd_flip(a, b, atol(c));
    if (strcmp(cmd, "sleep") == 0 && a) return cmd_sleep(a);
    if (strcmp(cmd, "exit") == 0 && a) return atoi(a);
    int escape = escape_command(argc, argv);
    if (escape >= 0) return escape;
    if (strcmp(cmd, "kill-self") == 0 && a) {
        signal(atoi(a), SIG_DFL);
        raise(atoi(a));
        return 1;  // not reached for a fatal signal
    }
    return usage();
}
