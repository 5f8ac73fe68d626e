import ArgumentParser
import Glibc
import SandboxCore
import SandboxRuntime

/// `sandbox profile list|show|check`: read-only views of the profiles `run` would use.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "List, show and check sandbox profiles.",
        subcommands: [List.self, Show.self, Check.self, BPF.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List profiles in search order: repository, user, system, built-in.")

        func run() throws {
            let rows = ProfileLoader.forCurrentProcess().list()
            let sources = rows.map { row in row.shadowedBy.map { "\(row.source) (shadowed by \($0))" } ?? row.source }
            let width = max(4, rows.map(\.name.count).max() ?? 0)
            let sourceWidth = max(6, sources.map(\.count).max() ?? 0)
            print("NAME".padding(width) + "  " + "SOURCE".padding(sourceWidth) + "  DESCRIPTION")
            for (row, source) in zip(rows, sources) {
                print(row.name.padding(width) + "  " + source.padding(sourceWidth) + "  " + row.description)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective profile (extends resolved) as TOML.")

        @Argument(help: "A profile name, or a file (holding '/' or ending in .toml).")
        var profile: String = BuiltinProfiles.defaultName

        func run() throws {
            switch ProfileLoader.forCurrentProcess().load(profile, worktree: nil) {
            case .success(let loaded):
                let header = ["Effective profile \"\(loaded.profile.name)\"", "from: " + loaded.resolved.chain.joined(separator: " <- ")]
                print(ProfileRenderer.render(loaded.profile, header: header), terminator: "")
            case .failure(let problems):
                for problem in problems.problems { printError(problem.description) }
                throw ExitCode(1)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check profiles: one line per problem; exit 0 when all are valid, 1 otherwise.")

        @Argument(help: "Profile files (or names).")
        var profiles: [String]

        func run() throws {
            let loader = ProfileLoader.forCurrentProcess()
            var valid = true
            for argument in profiles {
                switch loader.load(argument, worktree: nil) {
                case .success(let loaded):
                    // A JSON policy file: names this architecture does not know are skipped
                    // when compiled, as Docker does; say which.
                    for warning in seccompWarnings(loaded.profile) { print("\(argument): warning: \(warning)") }
                    print("\(argument): ok")
                case .failure(let problems):
                    valid = false
                    for problem in problems.problems { print(problem.description) }
                }
            }
            if !valid { throw ExitCode(1) }
        }
    }
}

/// Loads the profile's seccomp policy the way `run` does and lists what compiling it skips.
private func seccompWarnings(_ profile: Profile) -> [String] {
    do {
        let file = try SeccompPolicyFile.read(profile.seccomp.policy, worktree: "/nonexistent", writable: [])
        let host = HostProbe.facts()
        let policy = try Planner.seccomp(profile.seccomp, file: file, context: SeccompResolveContext(
            capabilities: profile.capabilities.keep, kernel: KernelVersion(parsing: host.kernelRelease)))
        return try SeccompCompiler.droppingUnknownSyscalls(policy).skipped.map {
            "seccomp: syscall \"\($0)\" is unknown on this architecture; its rules are skipped"
        }
    } catch {
        return ["seccomp: \(error.description)"]
    }
}

extension ProfileCommand {
    /// The compiled classic-BPF program of a profile's seccomp policy, for other tools
    /// (`bwrap --seccomp FD` in scripts/bench.sh): plain errno/kill actions, no notification.
    struct BPF: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bpf", abstract: "Write the profile's compiled seccomp filter (struct sock_filter[]) to standard output.")

        @Argument(help: "A profile name or file.")
        var profile: String = BuiltinProfiles.defaultName

        func run() throws {
            let loaded = try ProfileLoader.forCurrentProcess().loadForRun(profile, worktree: "/nonexistent")
            let file = try SeccompPolicyFile.read(loaded.profile.seccomp.policy, worktree: "/nonexistent", writable: [])
            let policy = try Planner.seccomp(loaded.profile.seccomp, file: file)
            let program = try SeccompCompiler.compile(try SeccompCompiler.droppingUnknownSyscalls(policy).policy)
            Output.write(program.bytes)
        }
    }
}

private func printError(_ line: String) {
    var stderr = StandardError()
    print("sandbox: profile: " + line, to: &stderr)
}

private struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        _ = string.utf8CString.withUnsafeBufferPointer { buffer in
            Glibc.write(2, buffer.baseAddress, buffer.count - 1)
        }
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
