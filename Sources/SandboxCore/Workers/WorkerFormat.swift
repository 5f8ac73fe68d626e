/// Human forms for `ps` and `status`: elapsed times, sizes, CPU time.
public enum WorkerFormat {
    /// 45s, 3m07s, 2h05m, 3d04h.
    public static func duration(milliseconds: UInt64) -> String {
        let s = milliseconds / 1000
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(pad(s % 60))s" }
        if s < 86400 { return "\(s / 3600)h\(pad(s / 60 % 60))m" }
        return "\(s / 86400)d\(pad(s / 3600 % 24))h"
    }

    /// 812K, 12.3M, 1.5G (binary units, as ps and top).
    public static func bytes(_ value: UInt64?) -> String {
        guard let value else { return "-" }
        let units: [(UInt64, String)] = [(1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")]
        for (size, suffix) in units where value >= size {
            let tenths = value * 10 / size
            return tenths >= 1000 ? "\(tenths / 10)\(suffix)" : "\(tenths / 10).\(tenths % 10)\(suffix)"
        }
        return "\(value)B"
    }

    /// CPU time: 0.42s, 12.3s, 4m10s.
    public static func cpu(milliseconds: UInt64?) -> String {
        guard let ms = milliseconds else { return "-" }
        if ms < 60_000 { return "\(ms / 1000).\(pad(ms % 1000 / 10))s" }
        return duration(milliseconds: ms)
    }

    /// Left-aligned columns separated by two spaces; the last column is not padded.
    public static func table(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func pad(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
