import ArgumentParser
import SandboxCore
import SandboxRuntime

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the resolved plan for `run` with the same arguments, as JSON. Needs no root; changes nothing.")

    @OptionGroup var options: RunOptions

    func run() throws {
        try Self.execute(options.arguments())
    }

    static func execute(_ arguments: RunArguments) throws(SandboxError) {
        let plan = try arguments.prepare(host: HostProbe.facts(cgroups: CgroupDriverFactory.make())).plan
        Output.write(try JSONOutput.encode(plan))
    }
}
