#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Copies the command's stdout and stderr to the caller and to the worker's log, inside
/// the supervisor's poll loop. The command writes into pipes; each pipe is read only while
/// its sink has room (at most `capacity` bytes are held per stream), so a slow reader slows
/// the command as a direct pipe would, while the loop stays free for signals and seccomp
/// notifications. Per stream, bytes leave in the order they came. When the caller's fd 1
/// and fd 2 are one file (a terminal, `2>&1`), the command gets one pipe for both, so their
/// interleaving is kept exactly. When the caller stops reading (EPIPE), the stream's pipe
/// is closed: the command's next write fails with EPIPE, as it would have without us.
public final class OutputRelay {
    struct Stream {
        var source: Int32
        let sink: OutputSink
    }

    private var streams: [Stream] = []
    /// The write ends for the child (stdout, stderr; the same fd when merged).
    public private(set) var childStdout: Int32 = -1
    public private(set) var childStderr: Int32 = -1
    private var logFD: Int32
    private let logCap: UInt64
    public private(set) var loggedBytes: UInt64 = 0
    /// Made on the first read, not at startup (64 KiB zeroed).
    private lazy var scratch = [UInt8](repeating: 0, count: 64 << 10)

    /// Makes the pipes. `logFD` (owned, closed at the end; or given later to `attachLog`)
    /// gets a copy of everything.
    public init(logFD: Int32 = -1, logCap: UInt64 = LogRetention.defaultRunCap, capacity: Int = 64 << 10) throws(SandboxError) {
        self.logFD = logFD
        self.logCap = logCap
        let merged = Self.sameFile(1, 2)
        let targets: [Int32] = merged ? [1] : [1, 2]
        for target in targets {
            var fds: [Int32] = [-1, -1]
            guard sbx_pipe_cloexec(&fds) == 0 else {
                finish()
                throw SystemError.last(.setup, "pipe2 (output relay)")
            }
            // Never 0-2 (a caller may have started us with them closed): the child dup2s
            // the write end onto 1 and 2.
            let read = Self.above2(fds[0]), write = Self.above2(fds[1])
            _ = fcntl(read, F_SETFL, O_NONBLOCK)
            streams.append(Stream(source: read, sink: OutputSink.caller(fd: target, capacity: capacity)))
            if target == 1 { childStdout = write } else { childStderr = write }
        }
        if merged { childStderr = childStdout }
    }

    deinit { finish() }

    /// The log, once it exists (before the relay first reads: nothing is lost). Owned from here.
    public func attachLog(_ fd: Int32) {
        if logFD >= 0 { close(logFD) }
        logFD = fd
    }

    static func sameFile(_ a: Int32, _ b: Int32) -> Bool {
        var sa = stat(), sb = stat()
        guard fstat(a, &sa) == 0, fstat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && sa.st_rdev == sb.st_rdev
    }

    static func above2(_ fd: Int32) -> Int32 {
        guard fd >= 0 && fd <= 2 else { return fd }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        close(fd)
        return moved
    }

    /// After clone3: only the command may hold the write ends, or EOF never comes.
    public func closeChildEnds() {
        if childStdout >= 0 { close(childStdout) }
        if childStderr >= 0 && childStderr != childStdout { close(childStderr) }
        childStdout = -1
        childStderr = -1
    }

    /// Streams still open or holding output.
    public var isActive: Bool { streams.contains { $0.source >= 0 || ($0.sink.pending > 0 && !$0.sink.isDiscarding) } }

    /// Output is queued but the caller is not reading it yet.
    public var isWaitingForReader: Bool { streams.contains { $0.sink.pending > 0 && !$0.sink.isDiscarding } }

    /// Two poll entries per stream: its pipe (when there is room) and its sink (when it
    /// must wait for POLLOUT). Entries not wanted have fd -1.
    func pollEntries() -> [pollfd] {
        streams.flatMap { s in
            [pollfd(fd: s.source >= 0 && s.sink.room > 0 ? s.source : -1, events: Int16(POLLIN), revents: 0),
             pollfd(fd: s.sink.wantsWritable ? s.sink.fd : -1, events: Int16(POLLOUT), revents: 0)]
        }
    }

    var pollEntryCount: Int { streams.count * 2 }

    func handle(_ entries: ArraySlice<pollfd>) {
        for (i, entry) in zip(streams.indices, stride(from: entries.startIndex, to: entries.endIndex, by: 2)) {
            if entries[entry + 1].revents != 0 { streams[i].sink.flush(writable: true) }
            if entries[entry].revents != 0 { pump(i) }
            if streams[i].sink.broken && streams[i].source >= 0 {
                close(streams[i].source)
                streams[i].source = -1
            }
        }
    }

    /// One read from stream `i`'s pipe: logged, queued, and written as far as possible.
    private func pump(_ i: Int) {
        let sink = streams[i].sink
        let wanted = min(sink.room, scratch.count)
        guard wanted > 0 else { return }
        let n = scratch.withUnsafeMutableBytes { Glibc.read(streams[i].source, $0.baseAddress, wanted) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return }
        }
        if n <= 0 {
            close(streams[i].source)
            streams[i].source = -1
            return
        }
        scratch.withUnsafeBytes { raw in
            let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
            log(chunk)
            sink.append(chunk)
        }
        sink.flush(writable: false)
    }

    private func log(_ chunk: UnsafeRawBufferPointer) {
        guard logFD >= 0, loggedBytes < logCap else { return }
        let take = Int(min(UInt64(chunk.count), logCap - loggedBytes))
        var offset = 0
        while offset < take {
            let n = Glibc.write(logFD, chunk.baseAddress! + offset, take - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { loggedBytes = logCap; return }  // a full disk stops the log, not the run
            offset += n
        }
        loggedBytes += UInt64(take)
        if loggedBytes >= logCap {
            let note = Array("\n[sandbox: log capped at \(logCap) bytes; the caller received the rest]\n".utf8)
            _ = note.withUnsafeBytes { Glibc.write(logFD, $0.baseAddress, $0.count) }
        }
    }

    /// Closes everything the relay holds.
    public func finish() {
        closeChildEnds()
        for i in streams.indices {
            if streams[i].source >= 0 { close(streams[i].source) }
            streams[i].source = -1
            streams[i].sink.close()
        }
        if logFD >= 0 { close(logFD) }
        logFD = -1
    }
}
