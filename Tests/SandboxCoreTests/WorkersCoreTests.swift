import FoundationEssentials
import Testing
@testable import SandboxCore

/// The pure parts of workers: stop requests in a signal value, registry file names, signal
/// names, did-you-mean, /proc/PID/stat parsing, ps formatting, log retention.
struct WorkersCoreTests {
    @Test(arguments: [(15, 10), (9, 0), (10, 0), (2, 65535)] as [(Int32, UInt16)])
    func stopRequestSurvivesTheSignalValue(signal: Int32, grace: UInt16) {
        let request = StopRequest(signal: signal, graceSeconds: grace)
        #expect(StopRequest(value: request.value) == request)
    }

    @Test func valuesWithoutTheTagAreNotStopRequests() {
        #expect(StopRequest(value: 0) == nil)
        #expect(StopRequest(value: 15) == nil)
        #expect(StopRequest(value: Int32(bitPattern: 0x5400_0F0A)) == nil)
        #expect(StopRequest(value: Int32(bitPattern: 0x5300_000A)) == nil, "signal 0 is no request")
    }

    @Test func recordFileNamesCarryPidStartTimeAndPhase() {
        let name = RunRecord.fileName(id: "7f3a1b2c3d4e5f60", pid: 1234, startTicks: 987654, phase: .running)
        #expect(name == "7f3a1b2c3d4e5f60.1234.987654.running.run")
        #expect(RunRecord.parseFileName(name) == .init(id: "7f3a1b2c3d4e5f60", pid: 1234, startTicks: 987654, phase: .running))
        for bad in ["x.run", "7f3a.1234.987654.running.run.tmp-55", "7F3A.1.2.running.run", "7f3a.-1.2.running.run",
                    "7f3a.1.2.running.json", "..1.running.run", "7f3a.1.2.paused.run", "7f3a.1.2.run"] {
            #expect(RunRecord.parseFileName(bad) == nil, "\(bad)")
        }
    }

    @Test func recordJSONReadsBack() throws {
        var record = RunRecord(id: "7f3a", worker: "w \"q\"\n", worktree: "/w/\u{1}x", branch: nil, profile: "strict",
                               command: ["sh", "-c", "echo \\ ok\t"], supervisorPID: 9, supervisorStartTicks: 10,
                               startedAt: "2026-11-25T12:00:00.000Z", startedUnixMs: 11, phase: .stopping, log: "/l")
        record.initPID = 12
        record.cgroup = ["/sys/fs/cgroup/sandbox/7f3a"]
        let decoded = try JSONDecoder().decode(RunRecord.self, from: Data(record.jsonLine().utf8))
        #expect(decoded == record)
        #expect(RunRecord.Phase.starting < .running && RunRecord.Phase.running < .stopping)
    }

    @Test func signalNames() {
        #expect(SignalNames.parse("TERM") == 15 && SignalNames.parse("sigkill") == 9 && SignalNames.parse("10") == 10)
        #expect(SignalNames.parse("NOPE") == nil && SignalNames.parse("0") == nil && SignalNames.parse("65") == nil)
        #expect(SignalNames.name(15) == "SIGTERM" && SignalNames.name(40) == "signal 40")
    }

    @Test func didYouMeanFindsCloseNames() {
        let names = ["worker-api", "worker-web", "feature-login", "main"]
        #expect(DidYouMean.suggestions(for: "worker-apj", among: names) == ["worker-api"])
        #expect(DidYouMean.suggestions(for: "wroker-web", among: names).first == "worker-web")
        #expect(DidYouMean.suggestions(for: "zzzzzz", among: names).isEmpty)
        #expect(DidYouMean.clause(for: "mian", among: names) == " (did you mean main?)")
        #expect(DidYouMean.clause(for: "zzzzzz", among: names) == "")
    }

    @Test func procStatParsesAroundAHostileCommandName() {
        let text = "1234 (evil) 0 ) x) S 1200 1234 1234 0 -1 4194560 100 0 0 0 25 7 0 0 20 0 1 0 987654 10000000 300 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let st = ProcStat.parse(text)
        #expect(st == ProcStat(pid: 1234, state: "S", parentPID: 1200, userTicks: 25, systemTicks: 7, startTicks: 987654, residentPages: 300))
        #expect(ProcStat.parse("garbage") == nil)
        #expect(ProcStat.parse("1 (x) Z 0 0")?.isAlive != true)
    }

    @Test func procStatFieldsAreNumberedAsInProc5() throws {
        // 52 fields; a name with spaces and parentheses; fields 48-51 are the argument and
        // environment ranges the launcher wipes.
        var values: [String] = []
        for n in 3...52 {
            let value: String = n == 3 ? "R" : n == 24 ? "-5" : String(n * 10)
            values.append(value)
        }
        let line = "77 (a (b) c)) " + values.joined(separator: " ") + "\n"
        let fields = try #require(ProcStatFields(line))
        #expect(fields.pid == 77 && fields.state == UInt8(ascii: "R") && fields.count == 52)
        #expect(fields.number(4) == 40 && fields.number(48) == 480 && fields.number(51) == 510)
        #expect(fields.number(52) == 520 && fields.number(53) == nil && fields.number(2) == nil)
        #expect(fields.signedNumber(24) == -5 && fields.number(24) == nil)
        #expect(ProcStatFields("no parentheses 1 2 3") == nil && ProcStatFields("x (y) S") == nil)
        #expect(ProcStatFields("99999999999 (y) S 1") == nil, "a pid beyond Int32")
    }

    @Test func formats() {
        #expect(WorkerFormat.duration(milliseconds: 45_000) == "45s")
        #expect(WorkerFormat.duration(milliseconds: 187_000) == "3m07s")
        #expect(WorkerFormat.duration(milliseconds: 7_500_000) == "2h05m")
        #expect(WorkerFormat.bytes(nil) == "-" && WorkerFormat.bytes(512) == "512B")
        #expect(WorkerFormat.bytes(12_900_000) == "12.3M" && WorkerFormat.bytes(3 << 30) == "3.0G")
        #expect(WorkerFormat.cpu(milliseconds: 420) == "0.42s" && WorkerFormat.cpu(milliseconds: nil) == "-")
        #expect(WorkerFormat.table([["ID", "WORKER"], ["7f3a", "api"]]) == "ID    WORKER\n7f3a  api\n")
    }

    @Test func logRetentionKeepsTheNewest() {
        let names = (1...12).map { "20261125T1200\(format2($0))Z-\($0).log" } + ["worktree"]
        let gone = LogRetention.toDelete(names.shuffled(), keep: 10)
        #expect(gone == ["20261125T120001Z-1.log", "20261125T120002Z-2.log"])
        #expect(LogRetention.toDelete(["a.log"], keep: 10).isEmpty)
        #expect(LogRetention.fileName(startedAt: "2026-11-25T12:01:07.123Z", id: "7f3a") == "20261125T120107.123Z-7f3a.log")
        #expect(LogRetention.runID(ofLog: "20261125T120107.123Z-7f3a.log") == "7f3a")
        #expect(LogRetention.workerKey(name: "a b/c", worktree: "/w").hasPrefix("a_b_c-"))
        #expect(LogRetention.workerKey(name: "api", worktree: "/x/api") != LogRetention.workerKey(name: "api", worktree: "/y/api"))
    }

    func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    @Test func reportNamesWhoStoppedTheRun() throws {
        var report = RunReport(id: "1", worker: "w", worktree: "/w", profile: "strict", command: ["true"],
                               termination: .signaled(signal: 15), startedAt: "", wallMs: 0, cpuUserMs: 0, cpuSystemMs: 0)
        report.stoppedBy = StoppedBy(signal: 15, by: "sandbox kill", pid: 42)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(text.contains("\"stopped_by\":{\"by\":\"sandbox kill\",\"escalated\":false,\"pid\":42,\"signal\":15}"))
    }
}

struct EnvFileTests {
    @Test func parsesNameValueLines() throws {
        let text = "# comment\n\nexport A=1\nB=\"two words\"\r\nC='x=y'\nD=\nE=\"unbalanced\n  F=indented\n"
        let items = try EnvFile.parse(text, file: "f")
        #expect(items == [
            .init(name: "A", value: "1"), .init(name: "B", value: "two words"), .init(name: "C", value: "x=y"),
            .init(name: "D", value: ""), .init(name: "E", value: "\"unbalanced"), .init(name: "F", value: "indented"),
        ])
    }

    @Test(arguments: [("NOEQUALS\n", "line 1: expected NAME=VALUE"), ("A=1\n1X=2\n", "line 2: invalid variable name \"1X\""),
                      ("A B=1\n", "invalid variable name \"A B\"")])
    func refusesWhatIsNotAnAssignment(text: String, message: String) {
        do {
            _ = try EnvFile.parse(text, file: "env")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.stage == .usage && error.message.contains("--env-file `env`, ") && error.message.contains(message), "\(error.message)")
        }
    }
}
