import ArgumentParser
import SandboxCore
import SandboxRuntime

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show what this host can enforce; exit 1 if the strict profile cannot run.")

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let result = Doctor.run(strictProfile: BuiltinProfiles.strict)
        if json {
            Output.write(try JSONOutput.encode(result))
        } else {
            for check in result.checks {
                print("\(check.ok ? "ok  " : "FAIL") \(check.name): \(check.detail)")
            }
            print(result.strictCanRun ? "strict: can run here" : "strict: CANNOT run here")
        }
        if !result.strictCanRun { throw ExitCode(1) }
    }
}
