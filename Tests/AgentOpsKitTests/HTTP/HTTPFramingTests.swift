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

    @Test("copies of one length in one field count as copies in fields of their own")
    func lengthList() throws {
        #expect(try Self.head([("Content-Length", "5, 5")]).contentLength() == 5)
        #expect(try Self.head([("Content-Length", "5"), ("Content-Length", "5 ,5")]).contentLength() == 5)
    }

    @Test("a malformed Content-Length is an error, not a count", arguments: [
        ["-1"], ["+5"], [""], ["5, 6"], ["5,"], [", 5"], ["5", "5, 6"], ["0x10"], ["1e3"], ["1234567890123456789"],
        ["5", "6"],
    ])
    func malformedLength(values: [String]) {
        let head = Self.head(values.map { ("Content-Length", $0) })
        #expect(throws: HTTPHead.BadFraming(.length)) { try head.contentLength() }
        #expect(throws: HTTPHead.BadFraming(.length)) { try head.requestFraming() }
        #expect(throws: HTTPHead.BadFraming(.length)) { try head.responseFraming(status: 200, method: "POST") }
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
        #expect(try Self.head([("Transfer-Encoding", "Chunked")]).requestFraming() == .chunked)
        #expect(try sized.requestFraming() == .length(12))
        #expect(try bare.requestFraming() == .length(0))
    }

    @Test("Transfer-Encoding: chunked alone; a request with a length too is refused, not read as chunked")
    func codings() {
        let both = HTTPHead.BadFraming(.lengthAndCoding)
        #expect(both.description == "malformed request: both Transfer-Encoding and Content-Length")
        #expect(throws: both) { try Self.head([("Transfer-Encoding", "chunked"), ("Content-Length", "5")]).requestFraming() }
        #expect(throws: both) { try Self.head([("Content-Length", "5"), ("Transfer-Encoding", "chunked")]).requestFraming() }
        for coding in [["xchunked"], ["chunked, chunked"], ["gzip, chunked"], ["chunked", "chunked"], ["identity"], [""]] {
            let head = Self.head(coding.map { ("Transfer-Encoding", $0) })
            let bad = HTTPHead.BadFraming(.coding(coding.joined(separator: ", ")))
            #expect(throws: bad, "\(coding)") { try head.requestFraming() }
            #expect(throws: bad, "\(coding)") { try head.responseFraming(status: 200, method: "GET") }
        }
    }

    @Test("a chunked body's end leaves what follows it (a pipelined request) untaken")
    func pipelinedAfterChunks() {
        let next = Array("POST /next HTTP/1.1\r\nContent-Length: 0\r\n\r\n".utf8)
        let body = Array("3\r\nabc\r\n0\r\n\r\n".utf8)
        for split in 1..<body.count {
            var decoder = HTTPChunked.Decoder()
            var out = decoder.feed(body[..<split])
            #expect(decoder.unconsumed == 0)
            out += decoder.feed(Array(body[split...]) + next)
            #expect(out == Array("abc".utf8) && decoder.isFinished)
            #expect(decoder.unconsumed == next.count, "split at \(split)")
        }
    }
}
