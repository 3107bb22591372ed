import Testing
@testable import AgentOpsKit

/// The one head parser every HTTP side uses (`HTTPHead.parse`): what it takes and what
/// it refuses, so the listener, the LLM proxy and the exporters' client agree.
@Suite("HTTP heads: one parser and one writer for every side")
struct HTTPHeadTests {
    private static func parse(_ text: String, maxBytes: Int = 1024) -> HTTPHead.Parsed {
        HTTPHead.parse(Array(text.utf8)[...], maxBytes: maxBytes)
    }

    private static func head(_ text: String) -> HTTPHead? {
        if case let .head(head, _) = parse(text) { return head }
        return nil
    }

    @Test("a request and a response: start line in three, fields as sent, values trimmed, where the body starts")
    func heads() throws {
        let request = "POST /v1/traces HTTP/1.1\r\nHost: a\r\nX-Key: \t k v \t\r\n\r\nbody"
        guard case let .head(head, length) = Self.parse(request) else { Issue.record("refused"); return }
        #expect(head.start == ("POST", "/v1/traces", "HTTP/1.1"))
        #expect(head.fields.map(\.name) == ["Host", "X-Key"] && head.field("x-key") == "k v")
        #expect(length == request.utf8.count - 4)
        let response = try #require(Self.head("HTTP/1.1 404 Not Found Here\r\nA: b\r\n\r\n"))
        #expect(response.start == ("HTTP/1.1", "404", "Not Found Here") && response.status == 404)
        // A status line without a reason, and bare LF line ends.
        #expect(Self.head("HTTP/1.0 204\n\n")?.status == 204)
        #expect(Self.parse("HTTP/1.1 200 OK\r\nA: b\r\n") == .incomplete)
    }

    @Test("refused, as every side refuses them", arguments: [
        ("GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", "bad header line"),   // space before the colon
        ("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", "folded header line"),
        ("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", "bare CR"),
        ("GET / HTTP/1.1\r\nA: b\u{1}\r\n\r\n", "control character in a header field"),
        ("GET / HTTP/1.1\r\n: b\r\n\r\n", "bad header line"),
        ("GET / HTTP/1.1\r\nno colon\r\n\r\n", "bad header line"),
        ("GET\r\n\r\n", "bad start line"),
    ])
    func refused(text: String, why: String) {
        #expect(Self.parse(text) == .malformed(why))
    }

    @Test("a head that is not UTF-8 is refused; one that never ends is too large, not buffered")
    func limits() {
        let latin1 = Array("GET / HTTP/1.1\r\nA: ".utf8) + [0xE9] + Array("\r\n\r\n".utf8)
        #expect(HTTPHead.parse(latin1[...]) == .malformed("head is not UTF-8"))
        #expect(Self.parse("GET / HTTP/1.1\r\nA: " + String(repeating: "a", count: 2000)) == .tooLarge)
        #expect(Self.parse("GET / HTTP/1.1\r\nA: " + String(repeating: "a", count: 2000) + "\r\n\r\n") == .tooLarge)
        #expect(Self.parse(String(repeating: "\r\n", count: 600)) == .tooLarge)
    }

    @Test("request lines: token method, a path or *, HTTP/1.1 or 1.0")
    func requestLines() {
        func check(_ line: String) -> HTTPHead.RequestLineProblem? {
            guard let head = Self.head(line + "\r\n\r\n") else { return .malformed }
            do { try head.checkRequestLine() } catch { return error }
            return nil
        }
        #expect(check("GET / HTTP/1.1") == nil && check("OPTIONS * HTTP/1.0") == nil)
        #expect(check("POST nopath HTTP/1.1") == .malformed)
        #expect(check("PO(ST / HTTP/1.1") == .malformed)
        #expect(check("GET /a b HTTP/1.1") == .malformed)
        #expect(check("GET /") == .malformed)
        #expect(check("GET / HTTP/2.0") == .unsupportedVersion)
    }

    @Test("status lines: HTTP/1.x and three digits from 100 to 599", arguments: [
        ("HTTP/1.1 200 OK", 200), ("HTTP/1.0 100 Continue", 100), ("HTTP/1.1 599 x", 599),
        ("HTTP/1.1 600 x", nil), ("HTTP/1.1 99 x", nil), ("HTTP/1.1 +20 x", nil), ("HTTP/2 200 OK", nil),
        ("ICY 200 OK", nil),
    ] as [(String, Int?)])
    func statusLines(line: String, status: Int?) {
        #expect(Self.head(line + "\r\n\r\n")?.status == status)
    }

    @Test("keep-alive: HTTP/1.1 unless close, HTTP/1.0 only with keep-alive, for requests and responses")
    func keepAlive() {
        #expect(Self.head("GET / HTTP/1.1\r\n\r\n")?.keepsAlive == true)
        #expect(Self.head("GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n")?.keepsAlive == false)
        #expect(Self.head("GET / HTTP/1.0\r\n\r\n")?.keepsAlive == false)
        #expect(Self.head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.keepsAlive == true)
        #expect(Self.head("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n\r\n")?.keepsAlive == true)
        #expect(Self.head("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?.keepsAlive == false)
    }

    @Test("written as parsed; a line break or NUL in a value goes as a space, so it cannot start a field")
    func written() {
        let head = HTTPHead(status: 502, fields: [("X-A", "one\r\nInjected: yes"), ("X-B", "n\0ul")])
        let text = String(decoding: head.bytes, as: UTF8.self)
        #expect(text == "HTTP/1.1 502 Bad Gateway\r\nX-A: one Injected: yes\r\nX-B: n ul\r\n\r\n")
        let readBack = HTTPHead(status: 502, fields: [("X-A", "one Injected: yes"), ("X-B", "n ul")])
        #expect(HTTPHead.parse(head.bytes[...]) == .head(readBack, length: head.bytes.count))
    }

    @Test("chunk sizes: hex digits only, at most 15 past leading zeros, extensions ignored", arguments: [
        ("5", 5), ("fF", 255), ("a;ext=1", 10), ("0", 0), ("fffffffffffffff", 0xFFF_FFFF_FFFF_FFFF),
        ("00000000000000005", 5), ("0000", 0), ("0000000000000000fffffffffffffff", 0xFFF_FFFF_FFFF_FFFF),
        ("+5", nil), ("-0", nil), ("", nil), ("0x5", nil), ("1000000000000000", nil), ("5 5", nil), ("ffffffffffffffff", nil),
    ] as [(String, Int?)])
    func chunkSizes(line: String, size: Int?) {
        #expect(HTTPChunked.Decoder.chunkSize(Array(line.utf8)) == size)
    }
}
