import FoundationEssentials

/// Reading the runner's own JSON back (registry records): nil for anything malformed.
public enum JSONInput {
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }
}
