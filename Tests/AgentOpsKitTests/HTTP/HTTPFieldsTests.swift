import Testing
@testable import AgentOpsKit

@Suite("HTTP field lookups by name")
struct HTTPFieldsTests {
    let fields: [(name: String, value: String)] = [
        ("Content-Type", "application/json"), ("X-Trace", "1"), ("CONTENT-length", "5"), ("x-trace", "2"),
    ]

    @Test("names match in any case on either side; the first one wins, all are kept in order")
    func lookups() {
        #expect(fields.value(named: "content-type") == "application/json")
        #expect(fields.value(named: "Content-Length") == "5")
        #expect(fields.value(named: "x-TRACE") == "1")
        #expect(fields.values(named: "X-Trace") == ["1", "2"])
        #expect(fields.value(named: "content-types") == nil)
        #expect(fields.value(named: "content-typ") == nil)
        #expect(fields.contains(named: "CONTENT-TYPE"))
        #expect(!fields.contains(named: "accept"))
        #expect(HTTPHead(start: ("GET", "/", "HTTP/1.1"), fields: fields).field("Content-Length") == "5")
    }

    @Test("removing by name removes every copy, in any case, and keeps the rest in order")
    func removal() {
        var copy = fields
        copy.removeAll(named: "x-trace")
        #expect(copy.map(\.name) == ["Content-Type", "CONTENT-length"])
    }

    @Test("only ASCII letters fold: neighbouring punctuation and non-ASCII letters match only themselves")
    func asciiOnly() {
        #expect("[a]".isHTTPFieldName("[A]"))
        #expect(!"[".isHTTPFieldName("{"))
        #expect(!"@".isHTTPFieldName("`"))
        // `lowercased()` maps the Kelvin sign (U+212A) to "k"; a token never holds it.
        #expect(!"\u{212A}eep-alive".isHTTPFieldName("keep-alive"))
        #expect(!"Ä".isHTTPFieldName("ä"))
        #expect("Ä".isHTTPFieldName("Ä"))
        #expect("".isHTTPFieldName(""))
    }
}
