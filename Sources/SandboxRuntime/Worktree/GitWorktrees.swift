import SandboxCore

/// `git worktree list --porcelain` of the repository around a directory.
public enum GitWorktrees {
    public struct Entry: Equatable, Sendable {
        public var path: String
        public var branch: String?
    }

    public static func list(in directory: String) throws(SandboxError) -> [Entry] {
        let result: Subprocess.Result
        do {
            // The runner is root and the repository often belongs to the user who owns the
            // worktrees: git's ownership check would refuse it ("dubious ownership"), and every
            // name would be "unknown". Trust exactly this directory (found through checked
            // records, see WorktreeResolver.repositoryDirectory) for this one read-only listing;
            // `worktree list` reads no index and runs no hook, pager or filter.
            result = try Subprocess.run(["git", "-c", "safe.directory=\(directory)", "-C", directory,
                                         "worktree", "list", "--porcelain"])
        } catch {
            return []  // no git on this host: only directories can name workers
        }
        guard result.status == 0 else { return [] }
        return parse(result.output)
    }

    /// Records are separated by blank lines: "worktree PATH", "branch refs/heads/NAME", ...
    public static func parse(_ porcelain: String) -> [Entry] {
        var entries: [Entry] = []
        var current: Entry?
        for line in porcelain.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("worktree ") {
                if let entry = current { entries.append(entry) }
                current = Entry(path: String(line.dropFirst("worktree ".count)), branch: nil)
            } else if line.hasPrefix("branch "), current != nil {
                let ref = line.dropFirst("branch ".count)
                current?.branch = ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : String(ref)
            }
        }
        if let entry = current { entries.append(entry) }
        return entries
    }
}
