import Testing
@testable import AgentOpsKit

@Suite("HTTP body framing, shared by the listener, the LLM proxy and the exporters' plain client")
struct HTTPFramingTests {
    static func head(_ fields: [(name: String, value: String)]) -> HTTPHead {
        HTTPHead(start: ("HTTP/1.1", "200", "OK"), fields: fields)
    }

    @Test("Content-Length: plain digits only, every copy the same", arguments: [
        ("0", 0), ("5", 5), ("007", 7), ("999999999999999999", 999_999_999_999_999_999),
    ])
    func validLength(text: String, length: Int) throws {
        #expect(try Self.head([("Content-Length", text)]).contentLength() == length)
        #expect(try Self.head([("content-length", text), ("CONTENT-LENGTH", text)]).contentLength() == length)
    }

    @Test("a malformed Content-Length is an error, not a count", arguments: [
        ["-1"], ["+5"], [""], ["5, 5"], ["0x10"], ["1e3"], ["1234567890123456789"], ["5", "6"],
    ])
    func malformedLength(values: [String]) {
        let head = Self.head(values.map { ("Content-Length", $0) })
        #expect(throws: HTTPHead.BadLength()) { try head.contentLength() }
        #expect(throws: HTTPHead.BadLength()) { try head.requestFraming() }
        #expect(throws: HTTPHead.BadLength()) { try head.responseFraming(status: 200, method: "POST") }
    }

    @Test("responses: none for HEAD, 204 and 304; chunked before a length; else until the close")
    func responses() throws {
        let chunked = Self.head([("Transfer-Encoding", "chunked"), ("Content-Length", "-1")])
        let sized = Self.head([("Content-Length", "12")])
        let bare = Self.head([])
        #expect(try chunked.responseFraming(status: 200, method: "GET") == .chunked)
        #expect(try sized.responseFraming(status: 200, method: "GET") == .length(12))
        #expect(try bare.responseFraming(status: 200, method: "GET") == .untilClose)
        #expect(try sized.responseFraming(status: 200, method: "HEAD") == .length(0))
        #expect(try chunked.responseFraming(status: 204, method: "GET") == .length(0))
        #expect(try bare.responseFraming(status: 304, method: "GET") == .length(0))
        #expect(try chunked.requestFraming() == .chunked)
        #expect(try sized.requestFraming() == .length(12))
        #expect(try bare.requestFraming() == .length(0))
    }
}
