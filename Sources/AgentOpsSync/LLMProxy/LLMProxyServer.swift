import AgentOpsKit
import Foundation
import Synchronization

/// The LLM proxy: a loopback HTTP/1.1 server that forwards each request under
/// `/openai/…` or `/anthropic/…` to the real API and the response back as it arrives,
/// and records each call into the session as an `llms` event.
///
/// The agent must never be worse off for it: bytes pass unchanged both ways (hop-by-hop
/// fields and the body's framing excepted, and `Accept-Encoding`, replaced by
/// `identity` so the usage can be read), statuses and error bodies come back as the API
/// sent them, and when the proxy itself cannot do its part the client gets a 502 with
/// a JSON message at once rather than a hang. One thread per client connection: the
/// work is blocking reads and writes, and an agent holds a handful of connections.
final class LLMProxyServer: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let upstreams: [LLMProvider: String]
    private let recorder: Recorder
    private let shared = URLSessionUpstream.Shared()
    private let condition = NSCondition()
    private var busy = 0
    private var connections = Set<Int32>()
    private var stopping = false
    /// Redactors for the API keys clients sent, by key, so a key echoed in a prompt is
    /// never recorded (keys from the environment are redacted by the recorder already).
    private let keyRedactors = Mutex<[String: Redactor]>([:])

    init(upstreams: [LLMProvider: String], recorder: Recorder) throws {
        do {
            (listenFD, port) = try TCPSocket.listenLoopback(backlog: 128)
        } catch {
            throw ProxyError.socket("\(error)")
        }
        self.upstreams = upstreams
        self.recorder = recorder
    }

    /// Starts accepting on a thread of its own; false when no thread could be had
    /// (`ulimit -u`; `errno` says why).
    func start() -> Bool {
        PlainThread.start(name: "agentops-llm-proxy") { [self] in acceptLoop() }
    }

    /// Stops accepting, lets calls in flight finish for up to `grace` seconds (their
    /// events are then recorded), then closes every connection.
    func stop(grace: Double) {
        condition.lock()
        stopping = true
        TCPSocket.shutdown(listenFD)
        let deadline = Date(timeIntervalSinceNow: grace)
        while busy > 0, condition.wait(until: deadline) {}
        for fd in connections { TCPSocket.shutdown(fd) }
        condition.unlock()
    }

    private func acceptLoop() {
        while true {
            let fd: Int32
            switch TCPSocket.accept(listenFD) {
            case let .connection(accepted): fd = accepted
            case .retry: continue
            case .outOfDescriptors:
                Clock.sleep(microseconds: 10_000)
                continue
            case .failed: return
            }
            TCPSocket.setNoDelay(fd)
            condition.lock()
            let refused = stopping
            if !refused { connections.insert(fd) }
            condition.unlock()
            if refused {
                Descriptors.close(fd)
                continue
            }
            let served = PlainThread.start(name: "agentops-llm-proxy-connection",
                                           stackSize: PlainThread.clientStackSize) { [self] in
                serve(fd)
                condition.lock()
                connections.remove(fd)
                condition.unlock()
                Descriptors.close(fd)
            }
            if !served {
                // No thread to serve it (`ulimit -u`, or no room for its stack under
                // `ulimit -v`): a 503, and closed, so the client fails at once.
                condition.lock()
                connections.remove(fd)
                condition.unlock()
                refuse(fd, 503, "agentops-run LLM proxy: no thread to serve this connection", close: true)
                TCPSocket.shutdownWrite(fd)
                Descriptors.close(fd)
            }
        }
    }

    /// Serves the requests of one connection until it closes.
    private func serve(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var pending: [UInt8] = []
        while true {
            var parsed = HTTPHead.parse(pending[...])
            while parsed == .incomplete {
                let got = TCPSocket.receive(fd, into: &buffer)
                if got.isEmpty { return }
                pending.append(contentsOf: got)
                parsed = HTTPHead.parse(pending[...])
            }
            let head: HTTPHead, length: Int
            switch parsed {
            case let .head(parsed, taken): (head, length) = (parsed, taken)
            case .tooLarge: return refuse(fd, 431, "request head over \(HTTPHead.maxBytes >> 10) KiB", close: true)
            case let .malformed(problem): return refuse(fd, 400, "malformed request: \(problem)", close: true)
            case .incomplete: return
            }
            do {
                try head.checkRequestLine()
            } catch .malformed {
                return refuse(fd, 400, "malformed request line", close: true)
            } catch {
                return refuse(fd, 505, "only HTTP/1.1 and HTTP/1.0 are served", close: true)
            }
            pending.removeFirst(length)
            guard let body = readBody(head, fd: fd, pending: &pending, buffer: &buffer) else {
                refuse(fd, 400, "malformed or incomplete request body", close: true)
                return
            }
            // An HTTP/1.0 client reads no chunked body, and the proxy may send one of
            // unknown length; so its connection ends with each answer.
            let keepAlive = head.keepsAlive && head.version != "HTTP/1.0"
            condition.lock()
            busy += 1
            condition.unlock()
            let goOn = handle(head, body: body, fd: fd, keepAlive: keepAlive)
            condition.lock()
            busy -= 1
            condition.broadcast()
            let stop = stopping
            condition.unlock()
            if !goOn || !keepAlive || stop { return }
        }
    }

    /// The request's body, by its `Content-Length` or chunked; nil when it breaks off or
    /// its length is malformed.
    private func readBody(_ head: HTTPHead, fd: Int32, pending: inout [UInt8], buffer: inout [UInt8]) -> [UInt8]? {
        guard let framing = try? head.requestFraming() else { return nil }
        if framing == .chunked {
            var decoder = HTTPChunked.Decoder()
            var body = decoder.feed(pending)
            // What came after the body's end (a pipelined request) stays for the next.
            pending = Array(pending.suffix(decoder.unconsumed))
            while !decoder.isFinished {
                if decoder.isMalformed { return nil }
                let got = TCPSocket.receive(fd, into: &buffer)
                if got.isEmpty { return nil }
                body += decoder.feed(got)
                pending = Array(got.suffix(decoder.unconsumed))
            }
            return body
        }
        guard case let .length(length) = framing else { return nil }
        while pending.count < length {
            let got = TCPSocket.receive(fd, into: &buffer)
            if got.isEmpty { return nil }
            pending.append(contentsOf: got)
        }
        let body = Array(pending.prefix(length))
        pending.removeFirst(length)
        return body
    }

    /// Forwards one request and relays its response.
    ///
    /// - Returns: whether the connection can carry another request.
    private func handle(_ head: HTTPHead, body: [UInt8], fd: Int32, keepAlive: Bool) -> Bool {
        let (method, target) = (head.start.0, head.start.1)
        guard let (provider, rest) = LLMProvider.route(target), let base = upstreams[provider],
              let url = URL(string: base + rest) else {
            refuse(fd, 404, "the agentops-run LLM proxy serves /openai/… and /anthropic/… only, not \(target)",
                   close: !keepAlive)
            return true
        }
        let received = Clock.monotonicMicroseconds()
        let start = Timestamp.now()
        var exchange = LLMExchange(provider: provider, target: rest, method: method, body: body)
        let fields = head.endToEndFields.filter { !$0.name.isHTTPFieldName("accept-encoding") }
            + [("Accept-Encoding", "identity")]
        let call = Upstream.call(for: url, session: shared)
        defer { call.close() }
        var overhead = Clock.monotonicMicroseconds() - received
        let response: (status: Int, reason: String, fields: [(name: String, value: String)], length: Int?)
        do {
            let upstreamBody = exchange.upstreamBody(body)
            overhead = Clock.monotonicMicroseconds() - received
            response = try call.start(method: method, url: url, fields: fields, body: upstreamBody)
        } catch {
            refuse(fd, 502, "agentops-run LLM proxy: \(error)", close: !keepAlive)
            record(&exchange, start: start, complete: false, overhead: overhead, head: head)
            return true
        }
        exchange.begin(status: response.status,
                       contentType: response.fields.value(named: "content-type"))
        // The upstream's length is kept unless the proxy changes the body (the usage it asked for).
        let changes = exchange.isEventStream && exchange.injectsUsage
        let length = changes ? nil : response.length
        // A body of unknown length goes chunked, or to an HTTP/1.0 client until the close.
        let chunked = length == nil && head.version != "HTTP/1.0"
        var out = response.fields
        if let length { out.append(("Content-Length", String(length))) }
        if chunked { out.append(("Transfer-Encoding", "chunked")) }
        if !keepAlive { out.append(("Connection", "close")) }
        let clientHead = HTTPHead(start: ("HTTP/1.1", String(response.status), response.reason), fields: out)
        guard TCPSocket.send(fd, clientHead.bytes) else { return false }
        var scanner = SSEScanner()
        var complete = true
        var clientGone = false
        while true {
            let piece: [UInt8]
            do {
                piece = try call.next()
            } catch {
                complete = false
                break
            }
            if piece.isEmpty { break }
            let began = Clock.monotonicMicroseconds()
            var forward = piece
            if exchange.isEventStream {
                let events = scanner.feed(piece)
                if changes {
                    forward = []
                    for event in events { forward += exchange.read(event: event) }
                } else {
                    for event in events { _ = exchange.read(event: event) }
                }
            } else {
                exchange.read(body: piece)
            }
            if !forward.isEmpty {
                let framed = chunked ? HTTPChunked.chunk(forward) : forward
                overhead += Clock.monotonicMicroseconds() - began
                guard TCPSocket.send(fd, framed) else {
                    clientGone = true
                    complete = false
                    break
                }
            } else {
                overhead += Clock.monotonicMicroseconds() - began
            }
        }
        if complete, changes, !scanner.remainder.isEmpty {
            _ = TCPSocket.send(fd, chunked ? HTTPChunked.chunk(scanner.remainder) : scanner.remainder)
        }
        if complete, chunked, !clientGone { _ = TCPSocket.send(fd, HTTPChunked.chunk([UInt8]())) }
        record(&exchange, start: start, complete: complete, overhead: overhead, head: head)
        // A response cut off cannot be framed to its end: closing tells the client.
        return complete
    }

    /// Records the exchange's event, with the client's API key redacted as well.
    private func record(_ exchange: inout LLMExchange, start: Timestamp, complete: Bool, overhead: Int64,
                        head: HTTPHead) {
        guard let event = exchange.event(session: recorder.sessionID, start: start, end: .now(), complete: complete,
                                         overheadMicroseconds: overhead) else { return }
        var record = StoreRecord.event(event)
        for key in Self.credentials(head) {
            let redactor = keyRedactors.withLock { cache -> Redactor? in
                if let known = cache[key] { return known }
                let made = try? Redactor(environment: ["CLIENT_API_KEY": key])
                if cache.count < 64 { cache[key] = made }
                return made
            }
            if let redactor { record = redactor.redact(record) }
        }
        recorder.write([record], deduplicating: true)
    }

    /// The API keys in a request's fields.
    static func credentials(_ head: HTTPHead) -> [String] {
        var keys: [String] = []
        for field in head.fields {
            switch field.name.lowercased() {
            case "authorization":
                let value = field.value
                keys.append(value.lowercased().hasPrefix("bearer ") ? String(value.dropFirst(7)) : value)
            case "x-api-key", "api-key":
                keys.append(field.value)
            default:
                continue
            }
        }
        return keys.filter { $0.count >= 8 }
    }

    /// Answers with `status` and a JSON message both SDKs show (OpenAI reads
    /// `error.message`; Anthropic `type: error` and `error.message`).
    private func refuse(_ fd: Int32, _ status: Int, _ message: String, close: Bool) {
        let body = JSONWriter.compact(.object([
            ("type", .string("error")),
            ("error", .object([("type", .string("agentops_llm_proxy_error")), ("message", .string(message))])),
        ]))
        var fields: [(name: String, value: String)] = [("Content-Type", "application/json"),
                                                       ("Content-Length", String(body.count))]
        if close { fields.append(("Connection", "close")) }
        _ = TCPSocket.send(fd, HTTPHead(status: status, fields: fields).bytes + body)
    }
}
