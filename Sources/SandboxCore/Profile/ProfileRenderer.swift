/// Writes a `Profile` back as TOML: `sandbox profile show` prints the effective profile
/// this way, and parsing the output gives the same `Profile` back (tested).
public enum ProfileRenderer {
    public static func render(_ profile: Profile, header: [String] = []) -> String {
        var out = header.map { "# " + $0 + "\n" }.joined()
        if let description = profile.value(for: "description") { out += "description = \(description)\n" }
        for table in ProfileSchema.tables {
            out += "\n[\(table)]\n"
            for key in ProfileSchema.keys where key.table == table {
                if case .removals = key.kind { continue }
                guard let value = profile.value(for: key.path) else {
                    out += "# \(key.name): not set (no limit)\n"
                    continue
                }
                out += "\(key.name) = \(text(value, kind: key.kind))\n"
            }
        }
        return out
    }

    /// A value as it would be written in a profile: sizes and durations with units.
    public static func text(_ value: ProfileValue, kind: ProfileSchema.Kind) -> String {
        switch (kind, value) {
        case (.size, .integer(let bytes)): return TOMLText.quoted(ProfileUnits.formatSize(bytes))
        case (.duration, .number(let seconds)): return TOMLText.quoted(ProfileUnits.formatDuration(seconds))
        case (.binds, .binds(let list)) where !list.isEmpty:
            return "[\n" + list.map { "    { source = \(TOMLText.quoted($0.source)), target = \(TOMLText.quoted($0.target)) },\n" }.joined() + "]"
        case (.tmpfs, .tmpfs(let list)) where !list.isEmpty:
            return "[\n" + list.map { "    { target = \(TOMLText.quoted($0.target)), size = \(TOMLText.quoted(ProfileUnits.formatSize($0.sizeBytes))) },\n" }.joined() + "]"
        case (_, .map(let map)) where map.isEmpty: return "{}"
        default: return value.description
        }
    }

    static func ioText(_ io: IOLimits) -> String {
        var parts: [String] = []
        if let w = io.weight { parts.append("weight = \(w)") }
        if let b = io.readBytesPerSecond { parts.append("read_bps = \(TOMLText.quoted(ProfileUnits.formatSize(b)))") }
        if let b = io.writeBytesPerSecond { parts.append("write_bps = \(TOMLText.quoted(ProfileUnits.formatSize(b)))") }
        if let n = io.readIOPS { parts.append("read_iops = \(n)") }
        if let n = io.writeIOPS { parts.append("write_iops = \(n)") }
        return "{ " + parts.joined(separator: ", ") + " }"
    }
}
