import Glibc
@testable import SandboxCore

enum ProfileTestSupport {
    /// The package root, found from this file's path (Tests/SandboxCoreTests/...).
    static var packageRoot: String {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    struct ReadError: Error { var path: String }

    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw ReadError(path: path) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }

    static func parse(_ text: String, origin: String = "test.toml") -> Result<ProfileLayer, ProfileProblems> {
        ProfileParser.parse(text, origin: origin)
    }

    /// The problems' lines as `profile check` prints them, or [] when the text is valid.
    static func messages(_ text: String, origin: String = "test.toml") -> [String] {
        switch ProfileParser.parse(text, origin: origin) {
        case .success: return []
        case .failure(let problems): return problems.problems.map(\.description)
        }
    }
}
