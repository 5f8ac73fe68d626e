import Testing
@testable import SandboxCore

/// The OCI/Docker JSON reader: what it accepts, how actions map, and that every malformed
/// input is an error naming the file, the line and the JSON path.
struct SeccompOCIParseTests {
    typealias F = SeccompFixtures

    @Test func minimalProfileParses() throws {
        let p = try F.parse(#"{"defaultAction": "SCMP_ACT_ALLOW"}"#)
        #expect(p.defaultAction == .allow && p.syscalls.isEmpty && p.architectures.isEmpty && p.warnings.isEmpty)
    }

    @Test func actionsMapAsDocumented() throws {
        let table: [(String, String, SeccompAction)] = [
            ("SCMP_ACT_ALLOW", "", .allow),
            ("SCMP_ACT_ERRNO", "", .errno(1)),
            ("SCMP_ACT_ERRNO", #", "errnoRet": 38"#, .errno(38)),
            ("SCMP_ACT_KILL", "", .killThread),
            ("SCMP_ACT_KILL_THREAD", "", .killThread),
            ("SCMP_ACT_KILL_PROCESS", "", .killProcess),
            ("SCMP_ACT_TRAP", "", .trap),
            ("SCMP_ACT_LOG", "", .log),
            ("SCMP_ACT_TRACE", "", .errno(38)),
        ]
        for (name, extra, expected) in table {
            let p = try F.parse(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "\#(name)"\#(extra)}]}"#)
            #expect(p.syscalls.first?.action == expected, "\(name)")
        }
    }

    @Test func traceWarnsThatItBecomesENOSYS() throws {
        let p = try F.parse(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_TRACE"}]}"#)
        #expect(p.warnings.count == 1 && p.warnings[0].contains("syscalls[0].action") && p.warnings[0].contains("ENOSYS"))
    }

    @Test func defaultErrnoRetAppliesToTheDefaultActionOnly() throws {
        let p = try F.parse(#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13, "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO"}]}"#)
        #expect(p.defaultAction == .errno(13))
        #expect(p.syscalls[0].action == .errno(1))  // a rule without errnoRet: EPERM, as runc
    }

    @Test func argumentsKeepFull64BitValuesAndDefaultValueTwoToZero() throws {
        let p = try F.parse(#"""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW",
          "args": [{"index": 1, "value": 18446744073709551615, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"},
                   {"index": 0, "value": 3, "op": "SCMP_CMP_LE"}]}]}
        """#)
        #expect(p.syscalls[0].args == [
            SeccompArgument(index: 1, op: .maskedEqual, value: .max, valueTwo: 0x5412),
            SeccompArgument(index: 0, op: .lessOrEqual, value: 3, valueTwo: 0),
        ])
    }

    @Test func everyOperatorIsKnown() throws {
        let ops: [String: SeccompArgument.Op] = ["NE": .notEqual, "LT": .less, "LE": .lessOrEqual, "EQ": .equal,
                                                 "GE": .greaterOrEqual, "GT": .greater, "MASKED_EQ": .maskedEqual]
        for (suffix, op) in ops {
            let p = try F.parse(#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_\#(suffix)"}]}]}"#)
            #expect(p.syscalls[0].args[0].op == op)
        }
    }

    @Test func nameAndArchMapAndFlags() throws {
        let p = try F.parse(#"""
        {"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOG"], "architectures": ["SCMP_ARCH_X86_64"],
         "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X32"]},
                     {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
         "syscalls": [{"name": "getpid", "action": "SCMP_ACT_ALLOW"}]}
        """#)
        #expect(p.syscalls[0].names == ["getpid"])
        // Only this machine's archMap entry counts.
        #expect(p.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"])
        #expect(p.warnings.contains { $0.contains("SECCOMP_FILTER_FLAG_LOG") && $0.contains("ignored") })
    }

    /// (input, expected message). Each names file, line and path.
    static let malformed: [(String, String)] = [
        ("{", "p.json:1: invalid JSON: unexpected end of input"),
        ("{\n\"defaultAction\": \"SCMP_ACT_ALLOW\",\n}", "p.json:3: invalid JSON: expected a key in quotes"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "defaultAction": "SCMP_ACT_ALLOW"}"#, "p.json:1: invalid JSON: key \"defaultAction\" appears twice"),
        ("[]", "p.json:1: (top level): expected an object, found an array"),
        ("{}", "p.json:1: defaultAction: missing (every policy needs one)"),
        (#"{"defaultAction": "SCMP_ACT_EXPLODE"}"#, "p.json:1: defaultAction: unknown action \"SCMP_ACT_EXPLODE\""),
        (#"{"defaultAction": 1}"#, "p.json:1: defaultAction: expected a string, found a number"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 0}"#, "p.json:1: defaultErrnoRet: expected an errno from 1 to 4095"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "sycalls": []}"#, "p.json:1: sycalls: unknown key"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}"#, "p.json:1: syscalls: expected an array, found an object"),
        ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [\n{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
         "p.json:2: syscalls[0].action: SCMP_ACT_NOTIFY is not supported"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/x.sock"}"#, "p.json:1: listenerPath: seccomp notification listeners are not supported"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"]}]}"#, "p.json:1: syscalls[0].action: missing"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}"#, "p.json:1: syscalls[0].names: no syscall named"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "name": "kill", "action": "SCMP_ACT_ERRNO"}]}"#, "p.json:1: syscalls[0].name: give \"name\" or \"names\", not both"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill;rm"], "action": "SCMP_ACT_ERRNO"}]}"#, "p.json:1: syscalls[0].names[0]: \"kill;rm\" is not a syscall name"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [7], "action": "SCMP_ACT_ERRNO"}]}"#, "p.json:1: syscalls[0].names[0]: expected a string, found a number"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]}"#, "p.json:1: syscalls[0].errnoRet: only SCMP_ACT_ERRNO takes an errnoRet"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "arg": []}]}"#, "p.json:1: syscalls[0].arg: unknown key"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#, "p.json:1: syscalls[0].args[0].index: expected an integer from 0 to 5, found 6"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}"#, "p.json:1: syscalls[0].args[0].value: expected an integer from 0 to 18446744073709551615, found -1"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1.5, "op": "SCMP_CMP_EQ"}]}]}"#, "found 1.5"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": "1", "op": "SCMP_CMP_EQ"}]}]}"#, "p.json:1: syscalls[0].args[0].value: expected an integer from 0 to 18446744073709551615, found a string"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]}"#, "p.json:1: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_LIKE\""),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]}]}"#, "p.json:1: syscalls[0].args[0].value: missing"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_GT"}, {"index": 0, "value": 9, "op": "SCMP_CMP_LT"}]}]}"#, "p.json:1: syscalls[0].args: compares one argument twice"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "new"}}]}"#, "p.json:1: syscalls[0].includes.minKernel: \"new\" is not a kernel version like \"4.8\""),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "excludes": {"capabilities": []}}]}"#, "p.json:1: syscalls[0].excludes.capabilities: unknown key"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["x86_64"]}"#, "p.json: architectures[0]: \"x86_64\" is not an SCMP_ARCH_* name"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4096}]}"#, "p.json:1: syscalls[0].errnoRet: expected an errno from 1 to 4095"),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedInputIsAnErrorThatSaysWhere(_ i: Int) {
        let (input, expected) = Self.malformed[i]
        let message = F.errorMessage { _ = try F.parse(input, source: "p.json") }
        #expect(message?.contains(expected) == true, "got \(message ?? "no error") for \(input)")
    }

    @Test func errorsAreProfileStageAndExit125() {
        do { _ = try F.parse("{}"); Issue.record("no error") } catch {
            #expect(error.stage == .profile && error.exitCode == 125)
        }
    }

    @Test func oversizedInputIsRefusedBeforeParsing() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: OCISeccompProfile.maxBytes + 1)
        let message = F.errorMessage { _ = try OCISeccompProfile.parse(big, source: "big.json") }
        #expect(message == "big.json: seccomp policy is \(OCISeccompProfile.maxBytes + 1) bytes; the limit is \(OCISeccompProfile.maxBytes)")
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let message = F.errorMessage { _ = try F.parse(deep, source: "deep.json") }
        #expect(message?.contains("nested deeper than") == true)
    }

    @Test func jsonStringsDecodeEscapes() throws {
        let node = try JSONTree.parse(Array(#"{"a\u0062": "x\ty\"z"}"#.utf8))
        guard case .object(let members) = node.value else { Issue.record("not an object"); return }
        #expect(members[0].key == "ab" && members[0].node.value == .string("x\ty\"z"))
    }

    @Test func kernelVersionsParseAsDockerComparesThem() {
        #expect(KernelVersion(parsing: "4.8") == KernelVersion(major: 4, minor: 8))
        #expect(KernelVersion(parsing: "6.18.44-fc-v669") == KernelVersion(major: 6, minor: 18))
        #expect(KernelVersion(parsing: "5.10-rc1") == KernelVersion(major: 5, minor: 10))
        #expect(KernelVersion(parsing: "6") == nil && KernelVersion(parsing: "a.b") == nil)
        #expect(KernelVersion(major: 4, minor: 8) < KernelVersion(major: 4, minor: 11))
        #expect(KernelVersion(major: 4, minor: 20) < KernelVersion(major: 5, minor: 0))
    }
}
