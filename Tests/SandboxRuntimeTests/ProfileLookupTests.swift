import Foundation
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// Lookup order, the worktree-refusal rule and `extends` across locations, in temp dirs.
@Suite final class ProfileLookupTests: @unchecked Sendable {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.path + "/sandbox-profile-lookup-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ path: String, _ text: String) throws {
        let full = path.hasPrefix("/") ? path : root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    var search: ProfileSearchPath {
        ProfileSearchPath(repository: root + "/repo/.sandbox/profiles", user: root + "/user/sandbox/profiles", system: root + "/etc/sandbox/profiles")
    }

    func loader(_ search: ProfileSearchPath? = nil) -> ProfileLoader {
        ProfileLoader(searchPath: search ?? self.search, currentDirectory: root)
    }

    func message(_ result: Result<LoadedProfile, ProfileProblems>) -> String? {
        if case .failure(let problems) = result { return problems.problems.first?.description }
        return nil
    }

    @Test func searchOrderIsRepositoryUserSystemThenBuiltIn() throws {
        try write("etc/sandbox/profiles/team.toml", "description = \"system\"\n")
        #expect(try loader().load("team", worktree: nil).get().profile.description == "system")
        try write("user/sandbox/profiles/team.toml", "description = \"user\"\n")
        #expect(try loader().load("team", worktree: nil).get().profile.description == "user")
        try write("repo/.sandbox/profiles/team.toml", "description = \"repository\"\n")
        let loaded = try loader().load("team", worktree: nil).get()
        #expect(loaded.profile.description == "repository")
        #expect(loaded.files == [root + "/repo/.sandbox/profiles/team.toml"])
        // No file anywhere: the built-in.
        let strict = try loader().load(nil, worktree: nil).get()
        #expect(strict.resolved.chain == ["built-in strict"])
        #expect(strict.profile == BuiltinProfiles.strict)
        // `profile list` shows all three, the later ones shadowed.
        let rows = loader().list().filter { $0.name == "team" }
        #expect(rows.map(\.description) == ["repository", "user", "system"])
        #expect(rows.map { $0.shadowedBy != nil } == [false, true, true])
    }

    @Test func unknownNameListsWhereItLooked() {
        #expect(message(loader().load("nope", worktree: nil))
            == "--profile: no profile named \"nope\" (searched \(root)/repo/.sandbox/profiles, \(root)/user/sandbox/profiles, \(root)/etc/sandbox/profiles, the built-ins)")
        #expect(message(loader().load("../x", worktree: nil)) == "../x: no such profile file")
        #expect(message(loader().load("bad name", worktree: nil))
            == "--profile: \"bad name\" is not a profile name (letters, digits, \".\", \"_\" and \"-\", not starting with \".\", at most 64) nor a file (give a path with '/' or ending in .toml)")
    }

    @Test func extendingItsOwnNameMeansTheNextOneInTheSearchOrder() throws {
        try write("repo/.sandbox/profiles/strict.toml", "extends = \"strict\"\n[network]\nmode = \"loopback\"\n")
        let loaded = try loader().load("strict", worktree: nil).get()
        #expect(loaded.resolved.chain == [root + "/repo/.sandbox/profiles/strict.toml", "built-in strict"])
        #expect(loaded.profile.network.mode == .loopback)
        #expect(loaded.profile.filesystem.readOnly == ["/usr", "/etc", "/opt"])
    }

    @Test func profileInsideTheWorktreeIsRefused() throws {
        try write("worker/policy.toml", "[network]\nmode = \"host\"\n")
        let result = loader().load(root + "/worker/policy.toml", worktree: root + "/worker")
        #expect(message(result)?.contains("refusing a profile the sandbox could write") == true)
        // A relative path and a symlink from outside lead to the same refusal (real paths).
        #expect(message(loader().load("worker/policy.toml", worktree: root + "/worker"))?.contains("refusing") == true)
        try FileManager.default.createSymbolicLink(atPath: root + "/outside.toml", withDestinationPath: root + "/worker/policy.toml")
        #expect(message(loader().load(root + "/outside.toml", worktree: root + "/worker"))?.contains("refusing") == true)
        // The same file is fine for a run in another worktree.
        #expect(try loader().load(root + "/worker/policy.toml", worktree: root + "/other").get().profile.network.mode == .host)
    }

    @Test func searchDirectoryInsideTheWorktreeIsRefusedNotSkipped() throws {
        // Running in the main worktree itself: its .sandbox/profiles is writable by the run.
        try write("repo/.sandbox/profiles/strict.toml", "[network]\nmode = \"host\"\n")
        let result = loader().load(nil, worktree: root + "/repo")
        #expect(message(result)?.contains("refusing a profile the sandbox could write") == true)
    }

    @Test func baseInsideTheWorktreeIsRefusedToo() throws {
        try write("user/sandbox/profiles/mine.toml", "extends = \"loose\"\n")
        try write("repo/.sandbox/profiles/loose.toml", "[network]\nmode = \"host\"\n")
        #expect(message(loader().load("mine", worktree: root + "/repo"))?.contains("refusing a profile the sandbox could write") == true)
    }

    @Test func profileUnderItsOwnReadWriteBindIsRefused() throws {
        try write("user/sandbox/profiles/selfish.toml", "[filesystem]\nread_write = [\"\(root)/user\"]\n")
        #expect(message(loader().load("selfish", worktree: root + "/worker"))?.contains("inside the read-write bind") == true)
    }

    @Test func profileUnderABindFlagIsRefused() throws {
        try write("user/sandbox/profiles/team.toml", "description = \"team\"\n")
        let result = loader().load("team", worktree: root + "/worker", writable: [root + "/user/sandbox"])
        #expect(message(result) == "\(root)/user/sandbox/profiles/team.toml: refusing a profile the sandbox could write (`\(root)/user/sandbox/profiles/team.toml` is in `\(root)/user/sandbox`, the worktree or a read-write bind of this run): keep profiles outside worktrees and binds")
        #expect(try loader().load("team", worktree: root + "/worker", writable: [root + "/elsewhere"]).get().profile.description == "team")
    }

    @Test func fifoIsRefusedWithoutHanging() throws {
        let dir = root + "/etc/sandbox/profiles"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(mkfifo(dir + "/fifo.toml", 0o600) == 0)
        #expect(message(loader().load("fifo", worktree: nil)) == "\(dir)/fifo.toml: `\(dir)/fifo.toml` is not a regular file")
    }

    /// The issue's scenario: a worker writes `.sandbox/profiles/strict.toml` into its own
    /// (linked) worktree and gains nothing, wherever `sandbox` is started from.
    @Test func workerWritingAProfileIntoItsWorktreeGainsNothing() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else {
            Issue.record("git is needed for this test")
            return
        }
        let main = root + "/project", worker = root + "/project-worker"
        let env = ["HOME=\(root)", "PATH=/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM=1"]
        func git(_ args: String..., in dir: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"] + args
            process.environment = Dictionary(uniqueKeysWithValues: env.map { ($0.split(separator: "=", maxSplits: 1).map(String.init)[0], String($0.split(separator: "=", maxSplits: 1)[1])) })
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(args)")
        }
        try FileManager.default.createDirectory(atPath: main, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main", in: main)
        try git("commit", "-q", "--allow-empty", "-m", "init", in: main)
        try git("worktree", "add", "-q", worker, "-b", "work", in: main)
        #expect(FileManager.default.fileExists(atPath: worker + "/.git"))
        try write(worker + "/.sandbox/profiles/strict.toml", "[network]\nmode = \"host\"\n[filesystem]\nread_write = [\"/\"]\n")

        for cwd in [worker, worker + "/.sandbox", main] {
            // The file-reading fast path and git agree.
            #expect(GitCommonDirectory.fastMainWorktree(around: cwd, environment: env) == .found(main), "from \(cwd)")
            #expect(GitCommonDirectory.gitMainWorktree(around: cwd, environment: env) == main, "from \(cwd)")
            #expect(GitCommonDirectory.fastMainWorktree(around: cwd, environment: env + ["GIT_DIR=/x"]) == .askGit)
            let search = ProfileSearchPath.forCaller(directory: cwd, environment: env)
            #expect(search.repository == main + "/.sandbox/profiles", "from \(cwd)")
            let loaded = try ProfileLoader(searchPath: ProfileSearchPath(repository: search.repository, user: nil, system: nil), currentDirectory: cwd)
                .load(nil, worktree: worker).get()
            #expect(loaded.resolved.chain == ["built-in strict"])
            #expect(loaded.profile.network.mode == .none)
        }
        // Naming the planted file explicitly is refused, not obeyed.
        let explicit = ProfileLoader(searchPath: ProfileSearchPath(repository: nil, user: nil, system: nil), currentDirectory: worker)
            .load(".sandbox/profiles/strict.toml", worktree: worker)
        #expect(message(explicit)?.contains("refusing a profile the sandbox could write") == true)
        // Outside any repository there is no repository directory.
        #expect(ProfileSearchPath.forCaller(directory: "/", environment: env).repository == nil)
        // (.askGit when the temp dir is another filesystem than /: git stops there too.)
        #expect([.none, .askGit].contains(GitCommonDirectory.fastMainWorktree(around: root, environment: env)))
        #expect(GitCommonDirectory.gitMainWorktree(around: root, environment: env) == nil)
    }
}
