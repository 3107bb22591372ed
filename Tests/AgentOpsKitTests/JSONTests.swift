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

    @Test("malformed documents are rejected with an offset", arguments: [
        "", "{", "{\"a\":}", "[1,]", "01", "\"unterminated", "{\"a\":1} x", "tru", "-", "1.", "\"\\x\"",
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
