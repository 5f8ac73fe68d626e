extension Planner {
    /// Paths of /proc that OCI runtimes hide or make read-only (runc's and crun's defaults).
    static let maskedProcPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    ]
    static let readOnlyProcPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    static let deviceNodes = ["null", "zero", "full", "random", "urandom", "tty"]

    /// The mount steps in the order the child runs them: a parent directory's mount always
    /// comes before mounts below it (stable sort by depth), so a later mount can never be
    /// hidden by an earlier one.
    static func mounts(profile: Profile, host: HostFacts, worktree: WorktreeInfo, idmap: Bool) throws(SandboxError) -> [MountStep] {
        let fs = profile.filesystem
        var steps: [MountStep] = []

        for path in fs.readOnly {
            steps.append(MountStep(kind: .bind, source: path, target: path, readOnly: true, optional: true))
        }
        for name in mergedUsrNames {
            guard let link = host.rootEntries[name] else { continue }
            if link.isEmpty {
                steps.append(MountStep(kind: .bind, source: "/" + name, target: "/" + name, readOnly: true, optional: true))
            } else {
                steps.append(MountStep(kind: .symlink, source: link, target: "/" + name))
            }
        }

        steps += devMounts(shmSize: fs.shmSizeBytes)
        steps.append(MountStep(kind: .proc, target: "/proc", noexec: true))
        for path in maskedProcPaths {
            steps.append(MountStep(kind: .mask, source: "/dev/null", target: path, optional: true))
        }
        for path in readOnlyProcPaths {
            steps.append(MountStep(kind: .readOnly, target: path, noexec: true, optional: true))
        }
        steps.append(tmpfs("/tmp", size: fs.tmpSizeBytes, mode: "1777"))
        steps.append(tmpfs(home, size: fs.homeSizeBytes, mode: "0700"))

        steps.append(MountStep(kind: .bind, source: worktree.path, target: worktree.path, idmap: idmap))
        if fs.git == .readOnly {
            if worktree.gitDirectoryInside {
                steps.append(MountStep(kind: .readOnly, target: worktree.path + "/.git"))
            }
            for path in worktree.gitMetadata {
                steps.append(MountStep(kind: .bind, source: path, target: path, readOnly: true, idmap: idmap))
            }
        }
        for bind in fs.readOnlyBinds {
            steps.append(MountStep(kind: .bind, source: bind.source, target: bind.target, readOnly: true))
        }
        for bind in fs.readWrite {
            steps.append(MountStep(kind: .bind, source: bind.source, target: bind.target))
        }
        for spec in fs.tmpfs {
            steps.append(tmpfs(spec.target, size: spec.sizeBytes, mode: "1777"))
        }
        for path in fs.masked {
            steps.append(MountStep(kind: .mask, source: "/dev/null", target: path, optional: true))
        }
        for step in steps { try checkTarget(step.target) }
        return stableSortedByDepth(steps)
    }

    static func devMounts(shmSize: UInt64) -> [MountStep] {
        var steps = [MountStep(kind: .tmpfs, target: "/dev", options: "mode=0755,size=64k,nr_inodes=64", noexec: true)]
        for name in deviceNodes {
            // Device nodes are the one place without nodev: a nodev /dev/null cannot be opened.
            steps.append(MountStep(kind: .bind, source: "/dev/" + name, target: "/dev/" + name, nodev: false, noexec: true))
        }
        steps.append(MountStep(kind: .devpts, target: "/dev/pts", options: "newinstance,ptmxmode=0666,mode=0620", noexec: true))
        steps.append(MountStep(kind: .symlink, source: "pts/ptmx", target: "/dev/ptmx"))
        steps.append(tmpfs("/dev/shm", size: shmSize, mode: "1777"))
        for (name, link) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
            steps.append(MountStep(kind: .symlink, source: link, target: "/dev/" + name))
        }
        return steps
    }

    static func tmpfs(_ target: String, size: UInt64, mode: String) -> MountStep {
        MountStep(kind: .tmpfs, target: target, options: "mode=\(mode),size=\(size)")
    }

    /// Targets reach the C walk, which accepts only clean absolute paths.
    static func checkTarget(_ path: String) throws(SandboxError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasPrefix("/"), !path.utf8.contains(0),
              !parts.dropFirst().contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) || path == "/"
        else {
            throw SandboxError(.setup, "mount target `\(path)` is not a clean absolute path")
        }
    }

    static func depth(_ path: String) -> Int {
        path.split(separator: "/").count
    }

    static func stableSortedByDepth(_ steps: [MountStep]) -> [MountStep] {
        steps.enumerated()
            .sorted { a, b in
                let da = depth(a.element.target), db = depth(b.element.target)
                return da != db ? da < db : a.offset < b.offset
            }
            .map(\.element)
    }
}
