import Testing
import AgentOpsKit
@testable import AgentOpsSync

@Suite("Reading HTTP answers (PlainHTTPClient)")
struct HTTPResponseReaderTests {
    /// Feeds `text` in pieces of `step` bytes, then the end of the stream when `close`.
    static func read(_ text: String, step: Int = .max, method: String = "POST", close: Bool = false,
                     maxBody: Int = 4 << 20) throws(HTTPResponseReader.Problem) -> HTTPResponseReader {
        var reader = HTTPResponseReader(method: method, maxBodyBytes: maxBody)
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let end = index + min(step, bytes.count - index)
            try reader.feed(bytes[index..<end])
            index = end
        }
        if close { try reader.endOfStream() }
        return reader
    }

    static let lengthAnswer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
    static let chunkedAnswer = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "4;ext=1\r\n{\"me\r\n9\r\nssage\":1}\r\n0\r\nX-Trailer: a\r\n\r\n"

    @Test("Content-Length and chunked bodies, split at every byte, give the same answer")
    func splits() throws {
        for step in [1, 2, 3, 7, 64, Int.max] {
            let plain = try Self.read(Self.lengthAnswer, step: step)
            #expect(plain.isComplete && plain.status == 200 && plain.keepsAlive)
            #expect(String(decoding: plain.body, as: UTF8.self) == #"{"ok":true}"#)
            #expect(plain.field("content-type") == "application/json")

            let chunked = try Self.read(Self.chunkedAnswer, step: step)
            #expect(chunked.isComplete && chunked.status == 503 && chunked.keepsAlive)
            #expect(chunked.field("Retry-After") == "7")
            #expect(String(decoding: chunked.body, as: UTF8.self) == #"{"message":1}"#)
        }
    }

    @Test("interim 100 Continue is skipped; 204 has no body; HEAD answers have none either")
    func interimAndBodyless() throws {
        let blankFirst = try Self.read("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", step: 1)
        #expect(blankFirst.isComplete && blankFirst.status == 200, "empty lines before the status line are skipped")
        let continued = try Self.read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", step: 5)
        #expect(continued.status == 200 && continued.body == Array("hi".utf8))
        let empty = try Self.read("HTTP/1.1 204 No Content\r\n\r\n")
        #expect(empty.isComplete && empty.body.isEmpty && empty.keepsAlive)
        let head = try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", method: "HEAD")
        #expect(head.isComplete && head.body.isEmpty)
    }

    @Test("which answers leave the connection open: close, HTTP/1.0, a body ended by the close, excess bytes")
    func keepAlive() throws {
        #expect(try !Self.read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepsAlive)
        #expect(try !Self.read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepsAlive)
        #expect(try Self.read("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").keepsAlive)
        let untilClose = try Self.read("HTTP/1.1 200 OK\r\n\r\nall of it", step: 4)
        #expect(!untilClose.isComplete, "a body framed by the close is not complete before it")
        let closed = try Self.read("HTTP/1.1 200 OK\r\n\r\nall of it", step: 4, close: true)
        #expect(closed.isComplete && closed.body == Array("all of it".utf8) && !closed.keepsAlive)
        let excess = try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1")
        #expect(excess.isComplete && excess.hasExcess && !excess.keepsAlive)
        let chunkedExcess = try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nHTTP/1.1")
        #expect(chunkedExcess.isComplete && chunkedExcess.body == Array("x".utf8) && chunkedExcess.hasExcess
            && !chunkedExcess.keepsAlive)
    }

    @Test("bad answers are errors, never traps", arguments: [
        ("not http at all\r\n\r\n", HTTPResponseReader.Problem.malformedHead("status line")),
        // No blank line ever comes: told from the first bytes that are not `HTTP/`.
        ("SSH-2.0-OpenSSH_9.6\r\n", .malformedHead("status line")),
        ("\r\nHTTx", .malformedHead("status line")),
        ("HTTP/1.1 2000 OK\r\n\r\n", .malformedHead("status line")),
        ("HTTP/1.1 099 Low\r\n\r\n", .malformedHead("status line")),
        ("HTTP/2 200 OK\r\n\r\n", .malformedHead("status line")),
        ("HTTP/1.1 200 OK\r\nbroken header\r\n\r\n", .malformedHead("bad header line")),
        ("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", .badLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", .badLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", .badLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", .badLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n", .tooLarge(limit: 4 << 20)),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .badCoding),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n", .badCoding),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformedChunks),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffffff\r\n", .malformedChunks),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", .malformedChunks),
    ])
    func malformed(text: String, problem: HTTPResponseReader.Problem) {
        for step in [1, Int.max] {
            #expect(throws: problem) { _ = try Self.read(text, step: step) }
        }
    }

    @Test("a body over the limit is refused as it arrives, chunked or until the close")
    func bounded() {
        let chunk = String(repeating: "a", count: 100)
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(repeating: "64\r\n\(chunk)\r\n", count: 20) + "0\r\n\r\n"
        #expect(throws: HTTPResponseReader.Problem.tooLarge(limit: 1000)) {
            _ = try Self.read(chunked, step: 333, maxBody: 1000)
        }
        #expect(throws: HTTPResponseReader.Problem.tooLarge(limit: 1000)) {
            _ = try Self.read("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: chunk, count: 11), maxBody: 1000)
        }
    }

    @Test("an answer cut off by the end of the connection is an error: in the head, the body, the chunks")
    func cutOff() {
        for text in ["HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"] {
            #expect(throws: HTTPResponseReader.Problem.cutOff) { _ = try Self.read(text, close: true) }
        }
    }

    @Test("http:// URLs: hostnames, IPv6 literals, ports, queries; https:// is not ours")
    func targets() throws {
        let v6 = try #require(HTTPEndpoint("http://[::1]:4318/v1/traces?team=a#frag"))
        #expect(v6.host == "::1" && v6.port == 4318 && v6.hostField == "[::1]:4318")
        #expect(v6.requestTarget == "/v1/traces?team=a")
        // A zone id: percent-encoded in the URL and the Host field, plain for the resolver.
        let zoned = try #require(HTTPEndpoint("http://[fe80::1%25lo]:4318/v1/traces"))
        #expect(zoned.host == "fe80::1%lo" && zoned.hostField == "[fe80::1%25lo]:4318")
        // It resolves (nothing listens there: the connection fails, but not as "host not found").
        do {
            Descriptors.close(try TCPSocket.connect(host: zoned.host, port: 9, timeout: 1))
        } catch {
            if case .resolve = error { Issue.record("\(zoned.host) did not resolve: \(error)") }
        }
        let named = try #require(HTTPEndpoint("http://collector.internal"))
        #expect(named.host == "collector.internal" && named.port == 80 && named.hostField == "collector.internal")
        #expect(named.requestTarget == "/")
        let user = try #require(HTTPEndpoint("http://me:secret@127.0.0.1:9/x"))
        #expect(user.basicAuthorization == "Basic bWU6c2VjcmV0")
        #expect(HTTPEndpoint("https://otlp.agentops.ai/v1/traces")?.isPlainHTTP == false)
        #expect(HTTPEndpoint("not a url") == nil)
        #expect(HTTPEndpoint("http://h:70000/") == nil)
    }

    @Test("the request head: Host, length, fields, no line break smuggled in a value")
    func requestHead() throws {
        let target = try #require(HTTPEndpoint("http://[::1]:8080/v2/create_events"))
        var request = BlockingExchange.Request(method: "POST", endpoint: target)
        request.set("Content-Type", "text/plain")
        request.set("content-type", "application/json")
        request.set("X-Team", "a\r\nEvil: 1")
        let head = String(decoding: PlainHTTPClient.head(request, bodyCount: 12), as: UTF8.self)
        #expect(head == "POST /v2/create_events HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 12\r\n"
            + "content-type: application/json\r\nX-Team: a Evil: 1\r\nAccept: */*\r\n\r\n")
    }
}
