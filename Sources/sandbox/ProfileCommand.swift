import ArgumentParser
import Glibc
import SandboxCore
import SandboxRuntime

/// `sandbox profile list|show|check`: read-only views of the profiles `run` would use.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "List, show and check sandbox profiles.",
        subcommands: [List.self, Show.self, Check.self])

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
                case .success:
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
