/// What `--profile NAME` and `extends = "NAME"` may be: a file name without a directory,
/// so that a name can never climb out of a search directory.
public enum ProfileName {
    public static let rule = "letters, digits, \".\", \"_\" and \"-\", not starting with \".\", at most 64"

    public static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }

    /// `--profile` names a file when it holds a '/' or ends in ".toml".
    public static func isFileReference(_ argument: String) -> Bool {
        argument.contains("/") || argument.hasSuffix(".toml")
    }
}
