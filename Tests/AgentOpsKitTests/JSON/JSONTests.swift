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

    /// The escaping JSON asks for, one byte at a time.
    static func reference(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += Array(#"\""#.utf8)
            case 0x5C: out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        return out + [0x22]
    }

    @Test("strings are escaped as byte by byte, every special at every position of a word")
    func escapingInWords() {
        let specials = ["\n", "\"", "\\", "\u{0}", "\u{1F}", "\t", "\r", "\u{1B}"]
        for length in 0..<20 {
            for position in 0..<max(length, 1) {
                for special in specials {
                    var characters = (0..<length).map { String(UnicodeScalar(UInt8(0x61 + $0 % 26))) }
                    if length > 0 { characters[position] = special }
                    if length > 10 { characters[(position + 9) % length] = "é" }
                    let text = characters.joined()
                    var out: [UInt8] = Array("prefix".utf8)
                    JSONWriter.writeString(text, into: &out)
                    #expect(Array(out.dropFirst(6)) == Self.reference(text), "\(text.debugDescription)")
                }
            }
        }
        let flood = (1...5000).map(String.init).joined(separator: "\n")
        #expect(JSONWriter.compact(.string(flood)) == Self.reference(flood))
        #expect(JSONWriter.compact(.string("")) == Array(#""""#.utf8))
    }

    @Test("strings with more escapes than the first pass has room for are escaped whole",
          arguments: [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 4096])
    func escapingBeyondTheGuess(length: Int) {
        // Written in one pass into room for one escape in four bytes; past that room
        // (control characters take six bytes each, quotes two) the string is counted and
        // written again. Each mix below needs more, less or about that room.
        let mixes = ["\u{1}", "\"", "a\u{1}", "ab\n", "abc\n", "abcd\n", "\u{1F}abcdefg", "é\\", "abcdefgh"]
        for mix in mixes {
            let text = String(String(repeating: mix, count: length).prefix(length))
            var out: [UInt8] = Array("prefix".utf8)
            JSONWriter.writeString(text, into: &out)
            #expect(Array(out.dropFirst(6)) == Self.reference(text), "\(text.debugDescription)")
            let extra = Array(text.utf8).withUnsafeBytes { JSONWriter.escapedExtra($0) }
            #expect(out.count == 6 + text.utf8.count + extra + 2, "no room left over")
        }
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
