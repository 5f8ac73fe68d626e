import ArgumentParser
import SandboxCore
import SandboxRuntime

struct GcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove what dead runs left behind (records, locks, cgroups) and say what was removed.",
        discussion: "Every sandbox command already sweeps dead runs' records and locks; gc also removes unused lock files.")

    func run() throws {
        let removed = StateSweeper(state: try RegistryAccess.state()).collect()
        let text = removed.isEmpty ? "nothing to remove\n" : removed.map { "removed " + $0 + "\n" }.joined()
        Output.write(Array(text.utf8))
    }
}
