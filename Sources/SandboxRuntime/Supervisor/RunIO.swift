import SandboxCore

/// What a run does beyond its plan, for `sandbox run` with a worker registry: the output
/// relay (and log), the events stream, and callbacks for the registry's phase changes.
/// The default does none of it: in-process callers (tests) get the plain runner.
public struct RunIO {
    public var relay: OutputRelay?
    public var events: EventSink?
    /// Work that must be done before the command may start, but not before the sandbox is
    /// cloned (the worker's log): run while the child mounts. A failure stops the run
    /// before its command starts, as any setup failure does.
    public var beforeCommand: (() throws(SandboxError) -> Void)?
    /// Crash recovery done while the child sets up, given the run's cgroup driver (what
    /// killed runners left: records, locks, cgroups; `WorkerSession` schedules it).
    public var maintenance: ((any CgroupDriver) -> Void)?
    /// The sandbox is released: the init's host pid, and the run's cgroup directories.
    public var onStarted: ((Int32, [String]?) -> Void)?
    /// A stop was requested (`sandbox kill`, or a terminating signal to the runner).
    public var onStopping: (() -> Void)?

    public init(relay: OutputRelay? = nil, events: EventSink? = nil,
                beforeCommand: (() throws(SandboxError) -> Void)? = nil,
                onStarted: ((Int32, [String]?) -> Void)? = nil, onStopping: (() -> Void)? = nil) {
        self.relay = relay
        self.events = events
        self.beforeCommand = beforeCommand
        self.onStarted = onStarted
        self.onStopping = onStopping
    }
}
