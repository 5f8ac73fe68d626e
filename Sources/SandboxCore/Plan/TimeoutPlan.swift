/// When the supervisor stops a run: after `wallSeconds` of real time or `cpuSeconds` of CPU
/// time (the whole run's, from its cgroup), SIGTERM to every process, then SIGKILL after
/// `graceSeconds`. Forking, a new session or ignoring SIGTERM cannot escape the SIGKILL: it
/// goes to the PID namespace's init (the kernel then kills the whole namespace) and to the
/// run's cgroup.
public struct TimeoutPlan: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case wall = "wall-clock"
        case cpu = "CPU"
    }

    public var wallSeconds: Double?
    public var cpuSeconds: Double?
    public var graceSeconds: Double

    public init(wallSeconds: Double? = nil, cpuSeconds: Double? = nil, graceSeconds: Double = TimeoutPlan.defaultGrace) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.graceSeconds = graceSeconds
    }

    public static let defaultGrace = 5.0

    public var isEmpty: Bool { wallSeconds == nil && cpuSeconds == nil }

    /// "1.5s", "10m", "250ms": how a duration reads in messages.
    public static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds.truncatingRemainder(dividingBy: 60) == 0 && seconds >= 60 { return "\(Int(seconds / 60))m" }
        if seconds == seconds.rounded() { return "\(Int(seconds))s" }
        return "\(seconds)s"
    }
}
