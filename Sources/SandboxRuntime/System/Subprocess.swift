#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// Runs a helper program (git) on the host and captures its standard output. Used only to
/// resolve worker names, never on the path of a run given a directory.
public enum Subprocess {
    public struct Result {
        public var status: Int32
        public var output: String
    }

    public static func run(_ argv: [String], outputLimit: Int = 1 << 20) throws(SandboxError) -> Result {
        var pipeFDs: [Int32] = [-1, -1]
        guard sbx_pipe_cloexec(&pipeFDs) == 0 else { throw SystemError.last(.worker, "pipe") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw SystemError.error(.worker, "spawn", path: argv[0], errno: rc)
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if output.count < outputLimit { output += buffer[0..<n] }
        }
        close(pipeFDs[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Result(status: status, output: String(decoding: output, as: UTF8.self))
    }
}
