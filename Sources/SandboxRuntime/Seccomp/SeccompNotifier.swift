#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import CSeccomp
import SandboxCore

/// The supervisor's side of seccomp user notification: receives the listener the command
/// sends after loading its filter, answers each notification as the policy says (the
/// errno, or a kill), and counts what was refused, by name.
final class SeccompNotifier {
    let table: DenialTable
    /// Our end of the socket the command sends its listener over; -1 once received.
    private(set) var socket: Int32
    private(set) var listener: Int32 = -1
    private var request: UnsafeMutablePointer<seccomp_notif>?
    private var response: UnsafeMutablePointer<seccomp_notif_resp>?
    private var counts: [String: Int] = [:]
    /// (pid inside the sandbox, syscall) of every process the policy killed.
    private(set) var killed: [(nsPID: Int32, syscall: String)] = []

    /// The policy the filter was compiled from: a notification carries the syscall's
    /// arguments, so the answer is the policy's own for exactly this call (an imported
    /// policy may refuse one syscall with different errnos under different conditions).
    let policy: SeccompPolicy

    init(table: DenialTable, policy: SeccompPolicy, socket: Int32) {
        self.table = table
        self.policy = policy
        self.socket = socket
    }

    deinit {
        if socket >= 0 { close(socket) }
        if listener >= 0 { close(listener) }
        if let request, let response { seccomp_notify_free(request, response) }
    }

    var denied: [RunReport.DeniedSyscall] {
        counts.keys.sorted().map { RunReport.DeniedSyscall(name: $0, count: counts[$0]!) }
    }

    /// The socket is readable: take the listener (or note that none will come).
    func receiveListener() {
        let fd = sbx_recv_fd(socket)
        close(socket)
        socket = -1
        guard fd >= 0 else { return }
        listener = fd
        if seccomp_notify_alloc(&request, &response) != 0 {
            request = nil
            response = nil
        }
    }

    /// One answered notification, for the events stream.
    struct Denial {
        var syscall: String
        var killed: Bool
        var nsPID: Int32?
    }

    /// The listener is readable: one notification is pending. Returns what was refused.
    @discardableResult
    func handleNotification() -> Denial? {
        guard let request, let response else { return nil }
        memset(request, 0, MemoryLayout<seccomp_notif>.size)
        guard seccomp_notify_receive(listener, request) == 0 else { return nil }  // the task died meanwhile
        let data = request.pointee.data
        let native = data.arch == 0xC000_003E  // AUDIT_ARCH_X86_64
        let name = Self.name(arch: data.arch, number: data.nr)
        counts[name, default: 0] += 1
        let answer = native ? self.answer(name: name, number: data.nr, args: data.args) : table.badArchAnswer
        switch answer {
        case .errno(let e):
            response.pointee = seccomp_notif_resp(id: request.pointee.id, val: 0, error: -e, flags: 0)
            _ = seccomp_notify_respond(listener, response)
            return Denial(syscall: name, killed: false, nsPID: nil)
        case .kill:
            let hostPID = Int32(bitPattern: request.pointee.pid)
            kill(hostPID: hostPID, id: request.pointee.id, syscall: name)
            return Denial(syscall: name, killed: true, nsPID: killed.last?.nsPID)
        }
    }

    func answer(name: String, number: Int32, args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) -> DenialTable.Answer {
        switch policy.action(for: name, args: [args.0, args.1, args.2, args.3, args.4, args.5]) {
        case .errno(let e): return .errno(e)
        case .killProcess, .killThread: return .kill
        // The filter said "refuse" but the policy reads "allow" (or trap/log): never let the
        // call through from here; answer as the compiled table says.
        case .allow, .trap, .log: return table.answer(number: number)
        }
    }

    /// SIGKILL, not SIGSYS: a process can catch SIGSYS. The pidfd is taken, then the
    /// notification checked still pending, so a recycled pid is never hit.
    private func kill(hostPID: Int32, id: UInt64, syscall: String) {
        let nsPID = Self.innermostPID(hostPID)
        let pidfd = Int32(truncatingIfNeeded: sbx_pidfd_open(hostPID))
        defer { if pidfd >= 0 { close(pidfd) } }
        guard pidfd >= 0, seccomp_notify_id_valid(listener, id) == 0 else { return }
        if sbx_pidfd_send_signal(pidfd, SIGKILL) == 0, let nsPID {
            killed.append((nsPID, syscall))
        }
    }

    func closeListener() {
        if listener >= 0 { close(listener) }
        listener = -1
    }

    static func name(arch: UInt32, number: Int32) -> String {
        guard let text = seccomp_syscall_resolve_num_arch(arch, number) else { return "syscall \(number)" }
        defer { free(text) }
        let name = String(cString: text)
        return arch == 0xC000_003E ? name : "\(name) (\(arch == 0x4000_0003 ? "i386" : "non-native"))"
    }

    /// The pid as the sandbox sees it: the last NSpid field of /proc/PID/status.
    static func innermostPID(_ hostPID: Int32) -> Int32? {
        guard let status = try? FileSystem.readText("/proc/\(hostPID)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("NSpid:") {
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap { Int32($0) }
        }
        return nil
    }
}
