/// What `sandbox kill` asks of a run's supervisor, carried in the value of a queued signal
/// (sigqueue's si_value): no file, no socket, and a request from anything else (a plain
/// `kill`, the terminal) is told apart by the missing tag.
///
///     bits 31..24  0x53 ("S")    bits 23..16  the signal to deliver
///     bits 15..0   grace seconds before SIGKILL (0: no escalation)
public struct StopRequest: Equatable, Sendable {
    public var signal: Int32
    public var graceSeconds: UInt16

    public init(signal: Int32, graceSeconds: UInt16) {
        self.signal = signal
        self.graceSeconds = graceSeconds
    }

    static let tag: UInt32 = 0x53

    public var value: Int32 {
        Int32(bitPattern: (Self.tag << 24) | (UInt32(signal & 0xFF) << 16) | UInt32(graceSeconds))
    }

    public init?(value: Int32) {
        let bits = UInt32(bitPattern: value)
        guard bits >> 24 == Self.tag else { return nil }
        let signal = Int32((bits >> 16) & 0xFF)
        guard signal > 0 && signal < 65 else { return nil }
        self.signal = signal
        self.graceSeconds = UInt16(bits & 0xFFFF)
    }
}

/// Who ended the run, in the report (`stopped_by`): a `sandbox kill`, or a signal the
/// runner received and forwarded (the terminal's ^C, a plain kill of the runner).
public struct StoppedBy: Codable, Equatable, Sendable {
    /// The signal delivered to the sandbox (the first one; `escalated` says SIGKILL followed).
    public var signal: Int32
    /// "sandbox kill", or "signal" for any other sender.
    public var by: String
    /// The sender's pid on the host, when the kernel told us.
    public var pid: Int32?
    /// The run outlived the grace period and was killed with SIGKILL.
    public var escalated: Bool

    public init(signal: Int32, by: String, pid: Int32?, escalated: Bool = false) {
        self.signal = signal
        self.by = by
        self.pid = pid
        self.escalated = escalated
    }
}
