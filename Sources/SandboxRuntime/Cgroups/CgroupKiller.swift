#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// Kills the tasks listed in cgroup.procs files until none is left: the fallback when the
/// kernel has no one-shot kill (v1; v2 before Linux 5.14), and the sweep after a freeze.
enum CgroupKiller {
    /// Reads `procsFiles`, SIGKILLs every pid, repeats while any remain (a task may fork
    /// between the read and the kill). Gives up after `rounds`; the caller's rmdir then reports.
    static func killListed(procsFiles: [String], rounds: Int = 200) {
        for _ in 0..<rounds {
            var found = false
            for file in procsFiles {
                for pid in CgroupStatParser.pids(CgroupFiles.read(file) ?? "") where pid > 1 {
                    found = true
                    kill(pid, SIGKILL)
                }
            }
            if !found { return }
            usleep(1000)
        }
    }
}
