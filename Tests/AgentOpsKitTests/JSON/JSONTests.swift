import Testing
@testable import AgentOpsKit

@Suite("JSON")
struct JSONTests {
    @Test("round trip keeps key order, number text and unicode")
    func roundTrip() throws {
        let text = #"{"b":1,"a":[true,false,null,-0.5e3,"é\n\"q\"\\\u0001"],"cost":0.0012345678}"#
        let value = try JSONParser.parse(text)
        #expect(String(decoding: JSONWriter.compact(value), as: UTF8.self) == text.replacingOccurrences(of: "\\u0001", with: "\\u0001"))
        guard case let .object(pairs) = value else { Issue.record("not an object"); return }
        #expect(pairs.map(\.0) == ["b", "a", "cost"])
        #expect(value["cost"] == .number("0.0012345678"))
    }

    @Test("surrogate pairs decode; control characters are escaped")
    func escapes() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(JSONWriter.compact(.string("\u{1}\t")) == Array(#""\u0001\t""#.utf8))
    }

    @Test("every string survives writing and parsing back, escapes and all")
    func stringRoundTrips() throws {
        // A fixed-seed generator: control characters, quotes, backslashes, slashes,
        // multi-byte and astral characters in runs of every length.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let pieces = ["\n", "\"", "\\", "/", "\u{0}", "\u{1F}", "\t", "\r", "é", "😀", "a", "long run of text ", "\u{7F}", "\u{2028}"]
        for _ in 0..<300 {
            let text = (0..<Int(next() % 40)).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined()
            #expect(try JSONParser.parse(JSONWriter.compact(.string(text))) == .string(text))
        }
        #expect(try JSONParser.parse(#""a\/b\u00e9\u20ac""#) == .string("a/bé€"))
        #expect(try JSONParser.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#"["\n",""]"#) == .array([.string("\n"), .string("")]))
    }

    @Test("malformed documents are rejected with an offset", arguments: [
        "", "{", "{\"a\":}", "[1,]", "01", "\"unterminated", "{\"a\":1} x", "tru", "-", "1.", "\"\\x\"",
        "\"\\u12\"", "\"\\u12G4\"", "\"abc\\\"", "\"a\\", "\"tab\there\"",
    ])
    func malformed(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test("pretty output is valid and indented")
    func pretty() throws {
        let value = JSONValue.object([("a", .array([.int(1)])), ("b", .object([]))])
        let text = JSONWriter.pretty(value)
        #expect(text == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}")
        #expect(try JSONParser.parse(text) == value)
    }
}
