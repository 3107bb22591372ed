import Testing
@testable import AgentOpsKit

@Suite("HTTP request parser")
struct HTTPRequestParserTests {
    private static func parse(_ text: String, maxHead: Int = 1024, maxBody: Int = 100) -> HTTPRequestParser.Result {
        HTTPRequestParser.parse(Array(text.utf8)[...], maxHeadBytes: maxHead, maxBodyBytes: maxBody)
    }

    private static func failure(_ result: HTTPRequestParser.Result) -> Int? {
        if case let .failure(failure) = result { return failure.status }
        return nil
    }

    @Test("a request head: method, target, lowercased headers, body length, where the body starts")
    func head() throws {
        let text = "POST /v2/create_events?x=1 HTTP/1.1\r\nHost: a\r\nX-Agentops-Api-Key:  k \r\n"
            + "Content-Length: 2\r\n\r\n{}"
        guard case let .head(head, length) = Self.parse(text) else { Issue.record("no head"); return }
        #expect(head.method == "POST" && head.path == "/v2/create_events" && head.version == "HTTP/1.1")
        #expect(head.header("x-agentops-api-key") == "k")
        #expect(head.contentLength == 2)
        #expect(length == text.utf8.count - 2)
        #expect(head.keepAlive)
    }

    @Test("incomplete until the blank line; bare LF and leading blank lines are accepted")
    func incremental() {
        #expect(Self.parse("POST / HTTP/1.1\r\nHost: a\r\n") == .incomplete)
        #expect(Self.parse("") == .incomplete)
        guard case let .head(head, _) = Self.parse("\r\n\r\nGET / HTTP/1.0\nConnection: keep-alive\n\n") else {
            Issue.record("bare LF refused")
            return
        }
        #expect(head.method == "GET" && head.keepAlive)
        if case let .head(head, _) = Self.parse("GET / HTTP/1.0\r\n\r\n") { #expect(!head.keepAlive) }
        if case let .head(head, _) = Self.parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n") { #expect(!head.keepAlive) }
    }

    @Test("malformed, oversized and unsupported requests get the right status")
    func refusals() {
        #expect(Self.failure(Self.parse("garbage\r\n\r\n")) == 400)
        #expect(Self.failure(Self.parse("POST nopath HTTP/1.1\r\n\r\n")) == 400)
        #expect(Self.failure(Self.parse("POST / HTTP/2.0\r\n\r\n")) == 505)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nno colon here\r\n\r\n")) == 400)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nBad Name: x\r\n\r\n")) == 400)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")) == 400)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")) == 400)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n")) == 413)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n")) == 400)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")) == 411)
        // A head that never ends is refused once it passes the limit, not buffered.
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\nX: " + String(repeating: "a", count: 2000))) == 431)
        #expect(Self.failure(Self.parse("POST / HTTP/1.1\r\n\u{FF}: x\r\n\r\n")) == 400)
    }

    @Test("responses are JSON with a length, and say when the connection closes")
    func responses() {
        let text = String(decoding: HTTPResponse.error(413, path: "/p", message: "big").serialized(close: true),
                          as: UTF8.self)
        #expect(text == "HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json; charset=UTF-8\r\n"
            + "Content-Length: 29\r\nConnection: close\r\n\r\n{\"path\":\"/p\",\"message\":\"big\"}")
    }
}
