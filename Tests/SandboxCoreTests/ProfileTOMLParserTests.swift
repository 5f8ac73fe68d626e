import Testing
@testable import SandboxCore

/// The TOML subset parser on its own: TOML 1.0 semantics profiles rely on, and refusals
/// with positions instead of traps.
@Suite struct ProfileTOMLParserTests {
    func parse(_ text: String) -> Result<TOMLParser.Document, TOMLError> { TOMLParser.parse(Array(text.utf8)) }

    func error(_ text: String) -> String? {
        if case .failure(let e) = parse(text) { return "\(e.line):\(e.column): \(e.message)" }
        return nil
    }

    @Test func stringsNumbersAndTables() throws {
        let doc = try parse("""
            a = "tab\\tquote\\" \\u00e9 \\U0001F600"
            b = 'C:\\raw'
            c = \"\"\"
            line one \\
              continued\"\"\"\"
            d = '''
            x'''
            e = [1_000, -0, +7, 0x1F, 0o17, 0b101]
            f = [1.5, -2e3, 6.02E+23, inf, -inf]
            g = { x = 1, y.z = "w" }
            [t.u]
            v = true
            [[arr]]
            k = 1
            [[arr]]
            k = 2
            """).get()
        let root = doc.root
        #expect(root["a"]?.string == "tab\tquote\" é 😀")
        #expect(root["b"]?.string == "C:\\raw")
        #expect(root["c"]?.string == "line one continued\"")
        #expect(root["d"]?.string == "x")
        #expect(root["e"]?.array?.compactMap(\.int) == [1000, 0, 7, 31, 15, 5])
        #expect(root["f"]?.array?.compactMap(\.double) == [1.5, -2000, 6.02e23, .infinity, -.infinity])
        #expect(root["g"]?.table?["y"]?.table?["z"]?.string == "w")
        #expect(root["t"]?.table?["u"]?.table?["v"]?.bool == true)
        #expect(root["arr"]?.array?.compactMap { $0.table?["k"]?.int } == [1, 2])
        #expect(doc.lines["t.u.v"] == 12)
        #expect(doc.lines["e.3"] == 8)
        #expect(doc.lines["arr.1"] == 15)
        #expect(doc.lines["arr.1.k"] == 16)
    }

    @Test(arguments: [
        ("a = [\"x\", }y\"]\n", "1:11: expected a value, found '}'"),
        ("[[[1]]]\n", "1:3: expected a key, found '['"),
        ("a = {b = }\n", "1:10: expected a value, found '}'"),
        ("a = 1\na = 2\n", "2:1: duplicate key \"a\" (first on line 1)"),
        ("[t]\n[t]\n", "2:1: duplicate table [t] (defined on line 1)"),
        ("a.b = 1\n[a]\n", "2:1: duplicate table [a] (defined by dotted keys on line 1)"),
        ("a = {b = 1}\na.c = 2\n", "2:1: cannot add \"a.c\": \"a\" was already defined on line 1"),
        ("a = {b = 1}\n[a.c]\n", "2:6: [a] is an inline table and cannot be extended"),
        ("a = [1]\n[[a]]\n", "2:6: \"a\" (line 1) is not an array of tables"),
        ("[[a]]\n[a]\n", "2:1: [a] is already an array of tables (line 1); use [[a]]"),
        ("a = 1\n[a]\n", "2:1: duplicate table [a] (\"a\" is a value on line 1)"),
        ("a.b = 1\na.b.c = 2\n", "2:1: cannot add \"a.b.c\": \"a.b\" was already defined on line 1"),
        ("[a.b]\n[a]\nb.c = 1\n", "3:1: cannot add \"b.c\": \"a.b\" was already defined on line 1"),
        ("a = \"x\\u0000\"\n", "1:13: a string holds an escaped NUL character (\\u0000)"),
        ("a = \"\\uD800\"\n", "1:12: escape is not a Unicode scalar value"),
        ("a = \"\\q\"\n", "1:7: invalid escape sequence '\\q'"),
        ("a = 01\n", "1:5: leading zeros are not allowed in \"01\""),
        ("a = 1__0\n", "1:5: invalid value \"1__0\" (strings need quotes)"),
        ("a = 9223372036854775808\n", "1:5: integer \"9223372036854775808\" does not fit in 64 bits"),
        ("a = 1.\n", "1:5: invalid float \"1.\""),
        ("a = -0x1\n", "1:5: a sign is not allowed on hex, octal or binary integers"),
        ("a = 0x+1\n", "1:5: invalid integer \"0x+1\""),
        ("a = 1979-05-27\n", "1:5: dates and times are not used in profiles"),
        ("a = yes\n", "1:5: invalid value \"yes\" (strings need quotes)"),
        ("a = 1 b = 2\n", "1:7: expected the end of the line, found 'b'"),
        ("a = { b = 1,\n c = 2 }\n", "1:13: expected a key, found end of line"),
        ("a = \"x\ny\"\n", "1:7: unterminated string"),
        ("# bell \u{7}\n", "1:8: control character in a comment"),
        ("a = 1\r\n\rb = 2\n", "2:1: carriage return without a line feed"),
        ("a = '''x''''''\n", "1:15: too many quotes closing a multi-line string"),
        (String(repeating: "[", count: 40), "1:3: expected a key, found '['"),
        ("a = " + String(repeating: "[", count: 40), "1:37: arrays and tables nested more than 32 deep"),
    ])
    func malformedTOMLIsAnErrorWithAPosition(text: String, expected: String) {
        #expect(error(text) == expected)
    }
}
