#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

/// State directory, worktree locks, registry and sweep, worker resolution refusals and the
/// non-blocking output sink, against temporary directories (no root needed).
@Suite(.serialized)
final class WorkersRuntimeTests {
    let dir: String

    init() {
        var template = Array("/tmp/sandbox-workers-rt-XXXXXX".utf8CString)
        dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    }

    // Swift Testing makes one instance per test: every test's directory goes with it.
    deinit { cleanup() }

    func cleanup() { _ = try? Subprocess.run(["rm", "-rf", dir]) }

    func sh(_ command: String) throws {
        #expect(try Subprocess.run(["sh", "-c", command]).status == 0, "\(command)")
    }

    @Test func stateDirectoryIsPrivateAndOurs() throws {
        let state = try StateDirectory.open(path: dir + "/a/state")
        for path in [state.path, state.runs, state.locks, state.logs] {
            let st = try #require(FileSystem.lstatInfo(path))
            #expect(st.st_mode & 0o777 == 0o700, "\(path)")
        }
        // A symlink where the state should be is refused, not followed.
        try sh("mkdir \(dir)/elsewhere && ln -s \(dir)/elsewhere \(dir)/link")
        #expect(throws: SandboxError.self) { try StateDirectory.open(path: dir + "/link") }
        // Loose permissions are tightened.
        try sh("mkdir -m 0755 \(dir)/loose")
        _ = try StateDirectory.open(path: dir + "/loose")
        #expect(FileSystem.lstatInfo(dir + "/loose").map { $0.st_mode & 0o777 } == 0o700)
        #expect(StateDirectory.defaultPath(uid: 0, environment: [:]) == "/run/sandbox")
        #expect(StateDirectory.defaultPath(uid: 1000, environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]) == "/run/user/1000/sandbox")
        #expect(StateDirectory.defaultPath(uid: 1000, environment: [:]) == "/tmp/sandbox-1000")
    }

    /// What every command checks before its crash sweep reads a state directory.
    @Test func onlyAPrivateStateDirectoryIsSwept() throws {
        defer { cleanup() }
        let state = try StateDirectory.open(path: dir + "/ok")
        #expect(StateDirectory.isPrivate(state.path))
        try sh("mkdir -m 0755 \(dir)/open && mkdir -m 0700 \(dir)/theirs && chown 1000 \(dir)/theirs && ln -s \(state.path) \(dir)/link")
        #expect(!StateDirectory.isPrivate(dir + "/open"), "others can enter it")
        #expect(!StateDirectory.isPrivate(dir + "/link"), "a link, even to a good directory")
        #expect(!StateDirectory.isPrivate(dir + "/missing"))
        if geteuid() != 1000 { #expect(!StateDirectory.isPrivate(dir + "/theirs"), "another user's") }
    }

    /// `run` sweeps at most every 10 s: the first run in a while does, the next does not,
    /// and one more than 10 s later does again.
    @Test func maintenanceIsDueAtMostEveryInterval() throws {
        let state = try StateDirectory.open(path: dir + "/maintenance")
        #expect(StateSweeper.maintenanceDue(in: state, every: 10))
        #expect(!StateSweeper.maintenanceDue(in: state, every: 10))
        var old = [timespec(tv_sec: time(nil) - 11, tv_nsec: 0), timespec(tv_sec: time(nil) - 11, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, state.path + "/swept", &old, 0) == 0)
        #expect(StateSweeper.maintenanceDue(in: state, every: 10))
        #expect(!StateSweeper.maintenanceDue(in: state, every: 10))
    }

    @Test func oneLockPerWorktree() throws {
        let state = try StateDirectory.open(path: dir + "/state")
        let first = try #require(try WorktreeLock.acquire(worktree: "/w/api", state: state, wait: false))
        #expect(try WorktreeLock.acquire(worktree: "/w/api", state: state, wait: false) == nil, "busy")
        let other = try WorktreeLock.acquire(worktree: "/w/web", state: state, wait: false)
        #expect(other != nil, "another worktree is free")
        #expect(WorktreeLock.removeIfUnheld(first.path) == .held, "a held lock is not removed")
        first.release()
        other?.release()
        #expect(DirectoryListing.names(in: state.locks).isEmpty, "released locks leave no file")
        let again = try WorktreeLock.acquire(worktree: "/w/api", state: state, wait: false)
        #expect(again != nil)
    }

    func record(pid: Int32, ticks: UInt64, worktree: String = "/w/api") -> RunRecord {
        RunRecord(id: "abcdef0123456789", worker: "api", worktree: worktree, branch: "api", profile: "strict",
                  command: ["true"], supervisorPID: pid, supervisorStartTicks: ticks,
                  startedAt: "2026-11-25T12:00:00.000Z", startedUnixMs: 1)
    }

    @Test func registryTellsLiveFromDeadAndSweepsTheDead() throws {
        let state = try StateDirectory.open(path: dir + "/state")
        let registry = RunRegistry(state: state)
        let me = ProcessTable().ownStartTicks()
        #expect(me > 0)
        let live = record(pid: getpid(), ticks: me)
        var reused = record(pid: getpid(), ticks: me + 1, worktree: "/w/web")  // our pid, another start: pid reuse
        reused.id = "1111111111111111"
        try registry.write(live)
        try registry.write(reused)
        #expect(registry.live() == [live])
        #expect(registry.find("api").isFound && registry.find("abcd").isFound && !registry.find("web").isFound)
        let removed = StateSweeper(state: state).sweep()
        #expect(removed.count == 1 && removed[0].contains("run 11111111"), "\(removed)")
        #expect(registry.entries().map(\.id) == [live.id])
        // A phase change writes the new file, then removes the old one.
        var running = live
        running.phase = .running
        try registry.write(running, replacing: live)
        #expect(registry.files().map(\.phase) == [.running])
        #expect(registry.live() == [running])
        registry.remove(running)
        #expect(registry.entries().isEmpty)
    }

    @Test func resolutionRefusals() throws {
        try sh("git init -q -b main \(dir)/repo && git -C \(dir)/repo -c user.name=t -c user.email=t@t commit -q --allow-empty -m init"
            + " && git -C \(dir)/repo worktree add -q -b api \(dir)/api && mkdir -p \(dir)/a/api \(dir)/b/api \(dir)/folder/w1 \(dir)/state/x")
        let cwd = dir + "/repo"
        #expect(try WorktreeResolver.resolve("api", currentDirectory: cwd).branch == "api")
        func refusal(_ worker: String, _ options: WorktreeResolver.Options = .init()) -> String {
            do {
                _ = try WorktreeResolver.resolve(worker, currentDirectory: cwd, options: options)
                return "accepted"
            } catch { return error.message }
        }
        #expect(refusal("repo").contains("main worktree"))
        #expect(refusal("repo", .init(allowMain: true)) == "accepted")
        try sh("mkdir \(dir)/home")
        #expect(refusal(dir + "/home", .init(home: [dir + "/home"])).contains("home directory"))
        #expect(refusal(dir + "/state/x", .init(stateDirectory: dir + "/state")).contains("state directory"))
        #expect(refusal(dir + "/a", .init(stateDirectory: dir + "/a/api")).contains("holds the runner's state"))
        #expect(refusal("apj").contains("did you mean api?"))
        #expect(refusal("w1").contains("unknown worker"))
        #expect(try WorktreeResolver.resolve("w1", currentDirectory: cwd, options: .init(workersDirectory: dir + "/folder")).path == dir + "/folder/w1")
        #expect(refusal("w2", .init(workersDirectory: dir + "/folder")).contains("did you mean w1?"))
    }

    @Test func ambiguousWorktreeNamesAreAnError() throws {
        try sh("git init -q -b main \(dir)/repo && git -C \(dir)/repo -c user.name=t -c user.email=t@t commit -q --allow-empty -m init"
            + " && git -C \(dir)/repo worktree add -q -b one \(dir)/a/api && git -C \(dir)/repo worktree add -q -b two \(dir)/b/api")
        do {
            _ = try WorktreeResolver.resolve("api", currentDirectory: dir + "/repo")
            Issue.record("an ambiguous name was accepted")
        } catch {
            #expect(error.message.contains("ambiguous") && error.message.contains(dir + "/a/api") && error.message.contains(dir + "/b/api"))
        }
    }

    @Test func logDirectoriesAreCappedLeastRecentlyUsedFirst() throws {
        let state = try StateDirectory.open(path: dir + "/state")
        var store = LogStore(state: state)
        store.maxWorkers = 3
        for (i, name) in ["a", "b", "c"].enumerated() {
            let log = try store.create(worktree: "/w/\(name)", startedAt: "2026-11-25T12:00:0\(i).000Z", id: "id\(i)")
            close(log.fd)
            // Older modification times for earlier workers ("a" least recently run).
            var times = [timespec(tv_sec: 1_000_000 + i, tv_nsec: 0), timespec(tv_sec: 1_000_000 + i, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, store.directory(worktree: "/w/\(name)"), &times, 0) == 0)
        }
        #expect(DirectoryListing.names(in: state.logs).count == 3)
        let log = try store.create(worktree: "/w/d", startedAt: "2026-11-25T12:00:09.000Z", id: "id9")
        close(log.fd)
        let left = Set(DirectoryListing.names(in: state.logs))
        #expect(left.count == 3)
        #expect(!left.contains { $0.hasPrefix("a-") } && left.contains { $0.hasPrefix("d-") }, "\(left)")
    }

    @Test func envFileInTheWorktreeMustNotLeadOutOfIt() throws {
        try sh("mkdir -p \(dir)/wt/sub \(dir)/outside && echo 'S=secret' > \(dir)/outside/env && echo 'A=1' > \(dir)/wt/env"
            + " && ln -s \(dir)/outside/env \(dir)/wt/link && ln -s \(dir)/outside \(dir)/wt/sub/dir && ln -s \(dir)/wt/env \(dir)/outside/to-wt")
        let wt = dir + "/wt"
        #expect(try EnvFileReader.read("env", currentDirectory: wt, worktree: wt) == [.init(name: "A", value: "1")])
        #expect(try EnvFileReader.read(dir + "/outside/env", currentDirectory: "/", worktree: wt) == [.init(name: "S", value: "secret")])
        // A link outside the worktree into it is the host's own doing: allowed.
        #expect(try EnvFileReader.read(dir + "/outside/to-wt", currentDirectory: "/", worktree: wt).count == 1)
        for sneaky in ["link", "sub/dir/env", "sub/../link"] {
            #expect(throws: SandboxError.self, "\(sneaky)") { try EnvFileReader.read(sneaky, currentDirectory: wt, worktree: wt) }
        }
    }

    @Test func outputPathsInTheWorktreeMustStayInIt() throws {
        try sh("mkdir -p \(dir)/wt/sub \(dir)/outside && ln -s \(dir)/outside \(dir)/wt/out && ln -s \(dir)/outside/f \(dir)/wt/f")
        let wt = dir + "/wt"
        for fine in [wt + "/report.json", wt + "/sub/report.json", dir + "/outside/report.json", "/var/tmp/report.json"] {
            #expect(throws: Never.self, "\(fine)") { try OutputPath.check(fine, worktree: wt, option: "--report") }
        }
        for bad in [wt + "/out/report.json", wt + "/f", wt + "/sub/../out/x"] {
            #expect(throws: SandboxError.self, "\(bad)") { try OutputPath.check(bad, worktree: wt, option: "--report") }
        }
    }

    @Test func sinkNeverBlocksOnAFullPipe() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sink = OutputSink.caller(fd: fds[1], capacity: 1 << 20)
        close(fds[1])
        #expect(sink.mode == .nonBlocking, "a pipe is reopened non-blocking")
        let chunk = [UInt8](repeating: 0x41, count: 256 << 10)  // four times a pipe's capacity
        let started = Clock.monotonicNanoseconds()
        chunk.withUnsafeBytes { sink.append($0) }
        sink.flush(writable: false)
        #expect(Clock.monotonicNanoseconds() - started < 1_000_000_000, "flush returned without a reader")
        #expect(sink.pending > 0 && sink.pending < chunk.count, "part went into the pipe, the rest waits")
        // The caller's own descriptor stays blocking: only our reopened one is non-blocking.
        #expect(fcntl(fds[0], F_GETFL) & O_NONBLOCK == 0)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var drained = 0
        while sink.pending > 0 {
            drained += buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            sink.flush(writable: true)
        }
        sink.close()
        while case let n = buffer.withUnsafeMutableBytes({ read(fds[0], $0.baseAddress, $0.count) }), n > 0 { drained += n }
        #expect(drained == chunk.count, "every byte arrives, once")
    }

    @Test func sinkOfAClosedReaderBreaks() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let sink = OutputSink.caller(fd: fds[1])
        close(fds[1])
        close(fds[0])
        [UInt8](repeating: 1, count: 10).withUnsafeBytes { sink.append($0) }
        sink.flush(writable: false)
        #expect(sink.broken && sink.isDiscarding)
    }
}

extension RunRegistry.Lookup {
    var isFound: Bool { if case .found = self { return true } else { return false } }
}
