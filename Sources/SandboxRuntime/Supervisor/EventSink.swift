#if canImport(Glibc)
import Glibc
#endif
import SandboxCore

/// `--events FILE|fd:N`: one JSON object a line, written as things happen, never blocking
/// the supervisor (a reader that falls more than `capacity` bytes behind loses events; a
/// `dropped` event says how many). At the end, the rest is flushed for up to 2 s.
public final class EventSink {
    let sink: OutputSink
    let runID: String
    private var dropped = 0

    init(sink: OutputSink, runID: String) {
        self.sink = sink
        self.runID = runID
    }

    /// "fd:N" (a descriptor the caller passed us) or a file path (appended to, created 0644).
    public static func open(_ target: String, runID: String, capacity: Int = 1 << 20) throws(SandboxError) -> EventSink {
        if target.hasPrefix("fd:") {
            guard let fd = Int32(target.dropFirst(3)), fd >= 0, fcntl(fd, F_GETFD) >= 0 else {
                throw SandboxError(.usage, "--events \(target): not an open file descriptor")
            }
            return EventSink(sink: OutputSink.caller(fd: fd, capacity: capacity), runID: runID)
        }
        // O_NONBLOCK: a FIFO without a reader fails now (ENXIO) instead of hanging the run.
        let fd = Glibc.open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw SystemError.last(.state, "open events file", path: target) }
        var st = stat()
        fstat(fd, &st)
        let mode: OutputSink.Mode = (st.st_mode & S_IFMT) == S_IFREG ? .file : .nonBlocking
        return EventSink(sink: OutputSink(fd: fd, ownsFD: true, mode: mode, capacity: capacity), runID: runID)
    }

    public func event(_ kind: WorkerEvent.Kind) -> WorkerEvent {
        WorkerEvent(kind, time: Clock.rfc3339Now(), run: runID)
    }

    public func emit(_ event: WorkerEvent) {
        guard let line = try? JSONOutput.encode(event, pretty: false) else { return }
        if dropped > 0, sink.room >= line.count + 200 {
            var note = self.event(.dropped)
            note.count = dropped
            dropped = 0
            if let text = try? JSONOutput.encode(note, pretty: false) { text.withUnsafeBytes { sink.append($0) } }
        }
        guard sink.room >= line.count else {
            dropped += 1
            return
        }
        line.withUnsafeBytes { sink.append($0) }
        sink.flush(writable: false)
    }

    func pollEntry() -> pollfd {
        pollfd(fd: sink.wantsWritable ? sink.fd : -1, events: Int16(POLLOUT), revents: 0)
    }

    func handle(_ entry: pollfd) {
        if entry.revents != 0 { sink.flush(writable: true) }
    }

    /// The end of the run: the last lines get a little time to reach a slow reader.
    public func finish() {
        sink.drain(milliseconds: 2000)
        sink.close()
    }
}
