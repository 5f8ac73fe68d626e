/// One line of `--events`: what happened to a run, as it happened. Each line is a JSON
/// object with `event`, `time` (RFC 3339 UTC), `run` (the run id) and the event's fields.
public struct WorkerEvent: Encodable, Equatable, Sendable {
    public enum Kind: String, Encodable, Sendable {
        /// The sandbox is running: `pid` (the init, as the host sees it), `namespaces`.
        case started
        /// The seccomp policy refused `syscall` (`action`: errno or kill).
        case denied
        /// A cgroup limit was reached (`limit`, `detail`).
        case limitHit = "limit_hit"
        /// A time limit ran out (`limit`).
        case timeout
        /// A signal reached the runner and was passed on (`signal`, `from_pid`, `by`, `to`).
        case signal
        /// The grace period after a stop request ran out: SIGKILL.
        case escalated
        /// Some events could not be written in time (the reader is slow) and were dropped.
        case dropped
        /// The run is over: `report` is the run report.
        case exited
    }

    public var event: Kind
    public var time: String
    public var run: String
    public var pid: Int32?
    public var namespaces: [String]?
    public var syscall: String?
    public var action: String?
    public var limit: String?
    public var detail: String?
    public var signal: Int32?
    public var signalName: String?
    public var fromPID: Int32?
    public var by: String?
    public var to: String?
    public var count: Int?
    public var report: RunReport?

    public init(_ event: Kind, time: String, run: String) {
        self.event = event
        self.time = time
        self.run = run
    }

    enum CodingKeys: String, CodingKey {
        case event, time, run, pid, namespaces, syscall, action, limit, detail, signal
        case signalName = "signal_name"
        case fromPID = "from_pid"
        case by, to, count, report
    }
}
