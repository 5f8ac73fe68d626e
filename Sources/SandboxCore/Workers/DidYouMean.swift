/// Suggestions for a misspelt name: the candidates within a small edit distance, closest
/// first (as git's "did you mean" does for commands).
public enum DidYouMean {
    public static func suggestions(for name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let target = Array(name.lowercased().unicodeScalars)
        let allowed = max(1, min(3, target.count / 4))
        var scored: [(String, Int)] = []
        for candidate in candidates {
            let lowered = candidate.lowercased()
            let d = distance(target, Array(lowered.unicodeScalars))
            if d <= allowed || (target.count >= 3 && lowered.hasPrefix(name.lowercased())) {
                scored.append((candidate, d))
            }
        }
        var seen: Set<String> = []
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map(\.0).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// " (did you mean api, apis?)" or "".
    public static func clause(for name: String, among candidates: [String]) -> String {
        let found = suggestions(for: name, among: candidates)
        return found.isEmpty ? "" : " (did you mean \(found.joined(separator: ", "))?)"
    }
}
