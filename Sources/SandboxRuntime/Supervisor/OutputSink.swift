#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Where relayed output (or event lines) go: one of the caller's descriptors behind a
/// bounded buffer, written without ever blocking the supervisor's loop, which also answers
/// seccomp notifications: a caller that reads slowly must slow the command down (its pipe
/// fills), never the policy decisions of every other process in the sandbox.
///
/// O_NONBLOCK cannot be set on the caller's descriptor itself: its open file description is
/// shared with the caller's shell and siblings, which would start seeing EAGAIN. So:
/// - regular files and block devices are written directly (they never wait for a reader);
/// - sockets are written with MSG_DONTWAIT;
/// - pipes, FIFOs and terminals are opened again through /proc/self/fd with O_NONBLOCK,
///   a new open file description on the same pipe or terminal (ordering is preserved);
/// - when that fails, the buffer is written only after poll says POLLOUT, at most PIPE_BUF
///   bytes at a time (a pipe then has a free slot, so the write does not wait).
final class OutputSink {
    enum Mode: Equatable { case file, nonBlocking, socket, pollFirst, discard }

    private(set) var fd: Int32
    private let ownsFD: Bool
    private(set) var mode: Mode
    /// The write failed for good (EPIPE: nobody reads any more).
    private(set) var broken = false
    private var buffer: [UInt8] = []
    private var start = 0
    let capacity: Int

    init(fd: Int32, ownsFD: Bool, mode: Mode, capacity: Int) {
        self.fd = fd
        self.ownsFD = ownsFD
        self.mode = mode
        self.capacity = capacity
    }

    deinit { close() }

    /// A sink for descriptor `fd` the caller gave us (1, 2, or `--events fd:N`).
    static func caller(fd: Int32, capacity: Int = 64 << 10) -> OutputSink {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return OutputSink(fd: -1, ownsFD: false, mode: .discard, capacity: capacity) }
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFBLK: return OutputSink(fd: fd, ownsFD: false, mode: .file, capacity: capacity)
        case S_IFSOCK: return OutputSink(fd: fd, ownsFD: false, mode: .socket, capacity: capacity)
        default:
            let reopened = open("/proc/self/fd/\(fd)", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            if reopened >= 0 { return OutputSink(fd: reopened, ownsFD: true, mode: .nonBlocking, capacity: capacity) }
            let flags = fcntl(fd, F_GETFL)
            let mode: Mode = flags >= 0 && flags & O_NONBLOCK != 0 ? .nonBlocking : .pollFirst
            return OutputSink(fd: fd, ownsFD: false, mode: mode, capacity: capacity)
        }
    }

    var pending: Int { buffer.count - start }
    var room: Int { max(0, capacity - pending) }
    var isDiscarding: Bool { mode == .discard }

    /// Whether the loop should poll this sink for POLLOUT.
    var wantsWritable: Bool { pending > 0 && mode != .file && mode != .discard }

    /// Queues bytes (the caller checks `room` first; a relay never reads more than that).
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard mode != .discard else { return }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Writes what it can without blocking. `writable`: poll just reported POLLOUT.
    func flush(writable: Bool) {
        var budgetUsed = false
        while pending > 0 {
            if mode == .pollFirst && (!writable || budgetUsed) { return }
            let chunk = mode == .pollFirst ? min(pending, Int(PIPE_BUF)) : pending
            let n: Int = buffer.withUnsafeBytes { raw in
                let base = raw.baseAddress! + start
                switch mode {
                case .socket: return sbx_send_nowait(fd, base, chunk)
                case .discard: return chunk
                default: return Glibc.write(fd, base, chunk)
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                fail()
                return
            }
            start += n
            budgetUsed = true
        }
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    /// Flushes for at most `milliseconds`, waiting for the reader (the end of a run).
    func drain(milliseconds: Int32) {
        let deadline = Clock.monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
        flush(writable: false)
        while pending > 0, mode != .discard {
            let now = Clock.monotonicNanoseconds()
            guard now < deadline else { return }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let rc = poll(&p, 1, Int32((deadline - now) / 1_000_000) + 1)
            if rc < 0 && errno != EINTR { return }
            flush(writable: rc > 0)
        }
    }

    /// Nobody reads any more (EPIPE) or the descriptor is unusable: drop what is queued.
    private func fail() {
        broken = true
        mode = .discard
        buffer.removeAll()
        start = 0
    }

    func close() {
        if ownsFD && fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
