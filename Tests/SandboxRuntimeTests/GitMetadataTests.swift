#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// The worktree's `.git` file is attacker-controlled: only claims the repository confirms
/// are accepted. Uses real git repositories in a temporary directory.
@Suite(.serialized)
struct GitMetadataTests {
    let dir: String

    init() throws {
        var template = Array("/tmp/sandbox-gitmeta-XXXXXX".utf8CString)
        dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        try sh("git init -q -b main \(dir)/repo && git -C \(dir)/repo -c user.name=t -c user.email=t@t commit -q --allow-empty -m init"
            + " && git -C \(dir)/repo worktree add -q -b api \(dir)/api && git -C \(dir)/repo worktree add -q -b web \(dir)/web")
    }

    func sh(_ command: String) throws {
        let result = try Subprocess.run(["sh", "-c", command])
        #expect(result.status == 0, "\(command)")
    }

    func cleanup() { _ = try? Subprocess.run(["rm", "-rf", dir]) }

    @Test func linkedWorktreeShowsTheCommonDirectory() throws {
        defer { cleanup() }
        let found = try GitMetadata.inspect(worktree: dir + "/api")
        #expect(found == GitMetadata.Found(readOnlyPaths: [dir + "/repo/.git"], directoryInside: false))
    }

    @Test func mainWorktreeHasItsGitDirectoryInside() throws {
        defer { cleanup() }
        #expect(try GitMetadata.inspect(worktree: dir + "/repo").directoryInside)
    }

    @Test func gitdirPointingElsewhereIsRefused() throws {
        defer { cleanup() }
        try sh("mkdir -p \(dir)/secret && echo 'gitdir: \(dir)/secret' > \(dir)/api/.git")
        #expect(throws: SandboxError.self) { try GitMetadata.inspect(worktree: dir + "/api") }
    }

    @Test func gitdirOfASiblingWorktreeIsRefused() throws {
        defer { cleanup() }
        try sh("echo 'gitdir: \(dir)/repo/.git/worktrees/web' > \(dir)/api/.git")
        #expect(throws: SandboxError.self) { try GitMetadata.inspect(worktree: dir + "/api") }
    }

    @Test func symlinkedDotGitIsRefused() throws {
        defer { cleanup() }
        try sh("rm \(dir)/api/.git && ln -s /root \(dir)/api/.git")
        do {
            _ = try GitMetadata.inspect(worktree: dir + "/api")
            Issue.record("a symlinked .git was accepted")
        } catch {
            #expect(error.stage == .worker && error.message.contains("symbolic link"))
        }
    }

    @Test func plainDirectoryHasNoMetadata() throws {
        defer { cleanup() }
        try sh("mkdir \(dir)/plain")
        #expect(try GitMetadata.inspect(worktree: dir + "/plain") == GitMetadata.Found())
    }

    @Test func workersResolveByDirectoryNameThenBranch() throws {
        defer { cleanup() }
        try sh("git -C \(dir)/repo worktree add -q -b feature-x \(dir)/wt3")
        #expect(try WorktreeResolver.resolve("api", currentDirectory: dir + "/repo").path == dir + "/api")
        #expect(try WorktreeResolver.resolve("feature-x", currentDirectory: dir + "/repo").path == dir + "/wt3")
        #expect(try WorktreeResolver.resolve(dir + "/web", currentDirectory: "/").name == "web")
        do {
            _ = try WorktreeResolver.resolve("nope", currentDirectory: dir + "/repo")
            Issue.record("unknown worker accepted")
        } catch {
            #expect(error.message.contains("known worktrees: repo, api, web, wt3"))
        }
    }

    @Test func rootIsNeverAWorktree() throws {
        defer { cleanup() }
        #expect(throws: SandboxError.self) { try WorktreeResolver.resolve("/", currentDirectory: "/") }
    }
}

struct GitWorktreesParseTests {
    @Test func parsesPorcelain() {
        let text = "worktree /r\nHEAD abc\nbranch refs/heads/main\n\nworktree /w/api\nHEAD def\ndetached\n\nworktree /w/x y\nbranch refs/heads/x\n"
        #expect(GitWorktrees.parse(text) == [
            .init(path: "/r", branch: "main"), .init(path: "/w/api", branch: nil), .init(path: "/w/x y", branch: "x"),
        ])
    }
}
