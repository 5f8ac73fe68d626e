/// Signal names for `sandbox kill --signal` and messages (Linux x86-64 numbering).
public enum SignalNames {
    static let table: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("BUS", 7), ("FPE", 8),
        ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14), ("TERM", 15),
        ("STKFLT", 16), ("CHLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22),
        ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27), ("WINCH", 28), ("IO", 29),
        ("PWR", 30), ("SYS", 31),
    ]

    /// "TERM", "SIGTERM", "term" or "15".
    public static func parse(_ text: String) -> Int32? {
        if let number = Int32(text) { return number > 0 && number < 65 ? number : nil }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
        return table.first { $0.0 == name }?.1
    }

    public static func name(_ signal: Int32) -> String {
        table.first { $0.1 == signal }.map { "SIG" + $0.0 } ?? "signal \(signal)"
    }
}
