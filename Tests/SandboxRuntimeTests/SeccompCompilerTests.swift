import Testing
@testable import SandboxCore
@testable import SandboxRuntime

struct SeccompCompilerTests {
    @Test func baselineCompilesToBPF() throws {
        let program = try SeccompCompiler.compile(BaselineGuards.policy)
        #expect(program.bytes.count % 8 == 0)
        #expect(program.instructionCount > BaselineGuards.rules.count)
    }

    @Test func fchmodat2ResolvesEvenWhereLibseccompDoesNotKnowIt() throws {
        #expect(try SeccompCompiler.syscallNumber("fchmodat2") == 452)
        #expect(try SeccompCompiler.syscallNumber("chmod") == 90)
    }

    @Test func unknownSyscallIsAnError() {
        let policy = SeccompPolicy(defaultAction: .allow, rules: [SeccompRule(syscall: "no_such_call", action: .errno(1))])
        #expect(throws: SandboxError.self) { try SeccompCompiler.compile(policy) }
    }
}

struct ReportEncodingTests {
    @Test func schemaFieldsAreAlwaysPresent() throws {
        let report = RunReport(id: "abc", worker: "api", worktree: "/w/api", profile: "strict", command: ["true"],
                               termination: .exited(code: 0), startedAt: "2026-11-25T13:00:00.000Z", wallMs: 5,
                               cpuUserMs: 1, cpuSystemMs: 2)
        let text = String(decoding: try JSONOutput.encode(report, pretty: false), as: UTF8.self)
        #expect(text == #"{"command":["true"],"cpu_system_ms":2,"cpu_throttled_ms":null,"cpu_usage_ms":null,"cpu_user_ms":1,"denied_syscalls":[],"error":null,"exit_code":0,"id":"abc","limits":null,"memory_peak_bytes":null,"oom_kills":null,"pids_peak":null,"pids_peak_is_lower_bound":false,"profile":"strict","schema":1,"settings":null,"signal":null,"started_at":"2026-11-25T13:00:00.000Z","status":"exited","wall_ms":5,"worker":"api","worktree":"/w/api"}"# + "\n")
    }
}
