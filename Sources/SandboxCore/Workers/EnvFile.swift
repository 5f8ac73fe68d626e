/// `--env-file FILE`: variables for the command, one `NAME=VALUE` a line, read by the runner
/// on the host (the sandbox needs no access to the file). Blank lines and lines starting
/// with `#` are skipped; `export ` before a name is allowed (so a file `source`d by a shell
/// works too); a value in matching single or double quotes loses them, with no escapes and no
/// expansion: what is between the quotes is the value. `--env` flags given with it win.
public enum EnvFile {
    public static func parse(_ text: String, file: String) throws(SandboxError) -> [EnvironmentOverride] {
        var result: [EnvironmentOverride] = []
        // "\r\n" is one Character in Swift: split on both.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var body = trimmed
            if body.hasPrefix("export ") { body = body.dropFirst("export ".count).drop { $0 == " " } }
            guard let eq = body.firstIndex(of: "=") else {
                throw SandboxError(.usage, "--env-file `\(file)`, line \(index + 1): expected NAME=VALUE")
            }
            let name = String(body[..<eq])
            guard EnvironmentOverride.isValidName(name) else {
                throw SandboxError(.usage, "--env-file `\(file)`, line \(index + 1): invalid variable name \"\(name)\"")
            }
            var value = body[body.index(after: eq)...]
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            }
            guard !value.utf8.contains(0) else {
                throw SandboxError(.usage, "--env-file `\(file)`, line \(index + 1): NUL byte in the value of \(name)")
            }
            result.append(EnvironmentOverride(name: name, value: String(value)))
        }
        return result
    }
}
