import FoundationEssentials
import SandboxCore

/// JSON for plans and reports (FoundationEssentials: no ICU, little startup cost).
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws(SandboxError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value)) + [0x0A]
        } catch {
            throw SandboxError(.report, "encode JSON: \(error)")
        }
    }

    public static func writeReport(_ report: RunReport, to path: String) throws(SandboxError) {
        do {
            try FileSystem.writeAtomically(try encode(report), to: path)
        } catch {
            throw error.wrapped("write report")
        }
    }
}
