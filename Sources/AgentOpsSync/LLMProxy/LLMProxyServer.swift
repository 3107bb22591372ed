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
/// a JSON message at once rather than a hang. Its connections are served as the SDK
/// listener's are (`LoopbackServer`, one thread each), under `limits`: local clients
/// that send too much, too slowly, or open too many connections get 413, 408 or 503
/// instead of costing the run memory and threads without end.
final class LLMProxyServer: @unchecked Sendable {
    /// The proxy's bounds on its clients, which no real agent meets.
    ///
    /// - A body of up to 64 MiB: a chat or messages request carrying images or PDFs as
    ///   base64 is tens of MB at most (Anthropic takes requests of up to 32 MB, OpenAI
    ///   50 MB of images in one), and a file for OpenAI's Uploads API goes in parts of at
    ///   most 64 MB. A larger body (413) is refused before a byte of it is read: each is
    ///   held whole until its answer ends, copied for the API and parsed for the record
    ///   (a 300 MiB body took the proxy to 560 MB).
    /// - 64 MiB of bodies at once, one of the largest (503 beyond, which the OpenAI and
    ///   Anthropic clients retry): a body is held whole, copied for an https API, and up
    ///   to 16 MiB of it parsed (`LLMExchange.parsedBodyLimit`), so two 64 MiB bodies at
    ///   once took the proxy to 545 MB, and an allocation that fails ends the proxy.
    /// - 256 connections: the OpenAI and Anthropic clients keep up to 100 idle in their
    ///   pools, and an agent may have more calls than that in flight; beyond, an idle
    ///   connection makes room, else the new one gets 503 (each costs a thread).
    /// - A request must arrive whole within the listener's request timeout (10 s,
    ///   `AGENTOPS_RUN_LISTENER_TIMEOUT`) of its first byte, else 408: 64 MiB cross the
    ///   loopback in well under a second. Only receiving the request is timed: the API's
    ///   answer, a stream above all, takes as long as it takes (`Upstream.idleTimeout`).
    /// - Heads up to 64 KiB (431), idle connections closed as the listener's are.
    /// - A refused client still sending its body has it read away for up to 2 s however
    ///   large it is (the listener stops at 64 MiB), so that one uploading a file of
    ///   hundreds of MB reads the 413 rather than a reset: urllib and requests send the
    ///   whole body before they read the answer. It costs a thread for those 2 s, no
    ///   memory.
    static func limits(requestTimeout: Double?) -> LoopbackLimits {
        var limits = LoopbackLimits()
        limits.maxBodyBytes = 64 << 20
        limits.bodyBudget = 64 << 20
        limits.maxConnections = 256
        limits.lingerBytes = Int.max
        if let requestTimeout { limits.requestTimeout = requestTimeout }
        return limits
    }

    var port: UInt16 { server.port }
    private let server: LoopbackServer
    private let upstreams: [LLMProvider: String]
    private let recorder: Recorder
    private let shared = URLSessionUpstream.Shared()
    /// Redactors for the API keys clients sent, by key, so a key echoed in a prompt is
    /// never recorded (keys from the environment are redacted by the recorder already).
    private let keyRedactors = Mutex<[String: Redactor]>([:])
    /// How many calls were answered with each response id (`ProxyEventID` says why); up
    /// to 100,000 ids.
    private let responseCounts = Mutex<[String: Int]>([:])

    init(upstreams: [LLMProvider: String], recorder: Recorder, limits: LoopbackLimits) throws {
        do {
            server = try LoopbackServer(
                name: "agentops-llm-proxy", limits: limits, backlog: 128,
                refusal: { Self.errorAnswer($0, "agentops-run LLM proxy: " + $1, close: true) },
                configure: { TCPSocket.setNoDelay($0) })
        } catch {
            throw ProxyError.socket("\(error)")
        }
        self.upstreams = upstreams
        self.recorder = recorder
    }

    /// Starts accepting on a thread of its own; false when no thread could be had
    /// (`ulimit -u`; `errno` says why).
    func start() -> Bool {
        server.start { [self] in serve($0) }
    }

    /// Stops accepting, lets calls in flight finish for up to `grace` seconds (their
    /// events are then recorded), then closes every connection.
    func stop(grace: Double) {
        server.stop(grace: grace)
    }

    /// Serves the requests of one connection until it closes.
    private func serve(_ connection: ClientConnection) -> LoopbackServer.Ending {
        let maxHeadBytes = connection.limits.maxHeadBytes
        while true {
            let next = connection.nextHead { bytes -> HTTPHead.Parsed? in
                let parsed = HTTPHead.parse(bytes, maxBytes: maxHeadBytes)
                return parsed == .incomplete ? nil : parsed
            }
            let head: HTTPHead, length: Int, deadline: Double
            switch next {
            case .closed, .parsed(.incomplete, _):
                return .close
            case let .parsed(.head(parsed, taken), requestDeadline):
                (head, length, deadline) = (parsed, taken, requestDeadline)
            case .parsed(.tooLarge, _):
                return connection.refuse(431, "request head over \(maxHeadBytes >> 10) KiB")
            case let .parsed(.malformed(problem), _):
                return connection.refuse(400, "malformed request: \(problem)")
            }
            do {
                try head.checkRequestLine()
            } catch .malformed {
                return connection.refuse(400, "malformed request line")
            } catch {
                return connection.refuse(505, "only HTTP/1.1 and HTTP/1.0 are served")
            }
            connection.pending.removeFirst(length)
            guard connection.beginRequest() else {
                connection.send(Self.errorAnswer(503, "agentops-run LLM proxy: the run is ending", close: true))
                return .close
            }
            defer { connection.endRequest() }
            connection.markBusy(trusted: true)
            let body: [UInt8], reserved: Int
            switch readBody(head, from: connection, until: deadline) {
            case let .body(read, bytes): (body, reserved) = (read, bytes)
            case let .ended(ending): return ending
            }
            defer { connection.releaseBody(reserved) }
            // An HTTP/1.0 client reads no chunked body, and the proxy may send one of
            // unknown length; so its connection ends with each answer.
            let keepAlive = head.keepsAlive && head.version != "HTTP/1.0"
            let goOn = handle(head, body: body, fd: connection.fd, keepAlive: keepAlive)
            if !goOn || !keepAlive || connection.isStopping { return .close }
            connection.markWaiting()
        }
    }

    /// What reading a request's body gave: the body and the bytes of the body budget it
    /// holds, or how the connection ends (the client was answered).
    private enum BodyRead {
        case body([UInt8], reserved: Int)
        case ended(LoopbackServer.Ending)
    }

    /// The request's body, by its `Content-Length` or chunked, within the body limit and
    /// budget and by `deadline`.
    private func readBody(_ head: HTTPHead, from connection: ClientConnection, until deadline: Double) -> BodyRead {
        let limits = connection.limits
        let tooLarge = "request body over \(limits.maxBodyBytes >> 20) MiB"
        let overBudget = "too many request bodies in flight; retry"
        let framing: HTTPHead.BodyFraming
        do {
            framing = try head.requestFraming()
        } catch {
            return .ended(connection.refuse(400, "malformed request: \(error)"))
        }
        switch framing {
        case let .length(length):
            guard length <= limits.maxBodyBytes else { return .ended(connection.refuse(413, tooLarge)) }
            guard connection.reserveBody(length) else { return .ended(connection.refuse(503, overBudget)) }
            if length > connection.pending.count { continueIfExpected(head, connection) }
            let got = connection.receive(count: length, until: deadline)
            guard got == .data else {
                connection.releaseBody(length)
                return .ended(bodyMissing(got, connection))
            }
            // The body is all that came (no request pipelined behind it): taken, not copied.
            if connection.pending.count == length { return .body(connection.takePending(), reserved: length) }
            let body = Array(connection.pending.prefix(length))
            connection.pending.removeFirst(length)
            return .body(body, reserved: length)
        case .chunked:
            continueIfExpected(head, connection)
            var decoder = HTTPChunked.Decoder()
            var body: [UInt8] = []
            var reserved = 0
            while true {
                let decoded = decoder.feed(connection.pending)
                // What came after the body's end (a pipelined request) stays for the next.
                connection.pending = Array(connection.pending.suffix(decoder.unconsumed))
                let needed = body.count + decoded.count
                if needed > body.capacity {
                    // The body's room grows by doubling, here, so that the budget counts
                    // the room held rather than the bytes in it (which are half of it at
                    // worst): 100 clients sending 30 MiB chunked held 620 MB against a
                    // budget of 64 MiB (round 8's hostile pass).
                    let room = min(max(needed, body.capacity * 2), limits.maxBodyBytes)
                    let refusal = needed > limits.maxBodyBytes ? (413, tooLarge)
                        : connection.reserveBody(room - reserved) ? nil : (503, overBudget)
                    if let (status, message) = refusal {
                        connection.releaseBody(reserved)
                        return .ended(connection.refuse(status, message))
                    }
                    reserved = room
                    body.reserveCapacity(room)
                }
                body += decoded
                if decoder.isFinished { return .body(body, reserved: reserved) }
                let got = decoder.isMalformed ? nil : connection.receive(until: deadline)
                if got == .data { continue }
                connection.releaseBody(reserved)
                guard let got else { return .ended(connection.refuse(400, "malformed chunked request body")) }
                return .ended(bodyMissing(got, connection))
            }
        case .untilClose:
            // Not a request's framing (`requestFraming` never gives it).
            return .ended(connection.refuse(400, "malformed request body framing"))
        }
    }

    /// Says `100 Continue` to a client waiting for it (`Expect: 100-continue`) before
    /// its body is read, once the body is known to be taken: curl waits a second for it
    /// before sending a body over 1 MiB. Not to an HTTP/1.0 client, which knows no 1xx.
    private func continueIfExpected(_ head: HTTPHead, _ connection: ClientConnection) {
        guard head.version != "HTTP/1.0",
              head.fields.values(named: "expect").contains(where: { $0.lowercased() == "100-continue" }) else { return }
        connection.send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    /// Ends a connection whose request body did not arrive: 408 once the deadline passed.
    private func bodyMissing(_ got: ClientConnection.Received, _ connection: ClientConnection)
        -> LoopbackServer.Ending {
        if got == .timedOut {
            let within = DurationFormat.sdk(connection.limits.requestTimeout)
            connection.send(Self.errorAnswer(408, "agentops-run LLM proxy: request body not received within \(within)",
                                             close: true))
        }
        return .close
    }

    /// Forwards one request and relays its response.
    ///
    /// - Returns: whether the connection can carry another request.
    private func handle(_ head: HTTPHead, body: [UInt8], fd: Int32, keepAlive: Bool) -> Bool {
        let (method, target) = (head.start.0, head.start.1)
        guard let (provider, rest) = LLMProvider.route(target), let base = upstreams[provider],
              let url = URL(string: base + rest) else {
            answer(fd, 404, "the agentops-run LLM proxy serves /openai/… and /anthropic/… only, not \(target)",
                   close: !keepAlive)
            return true
        }
        let received = Clock.monotonicMicroseconds()
        let start = Timestamp.now()
        var exchange = LLMExchange(provider: provider, target: rest, method: method, body: body)
        let fields = head.endToEndFields.filter { !$0.name.isHTTPFieldName("accept-encoding") }
            + [("Accept-Encoding", "identity")]
        let call = Upstream.call(for: url, session: shared)
        call.watch(client: fd)
        defer { call.close() }
        var overhead = Clock.monotonicMicroseconds() - received
        let response: (status: Int, reason: String, fields: [(name: String, value: String)], length: Int?)
        do {
            let upstreamBody = exchange.upstreamBody(body)
            overhead = Clock.monotonicMicroseconds() - received
            response = try call.start(method: method, url: url, fields: fields, body: upstreamBody)
        } catch {
            // A client that left is not answered; the call is recorded as one with no
            // response, and its connection closed.
            let gone = if case ProxyError.clientGone = error { true } else { false }
            if !gone { answer(fd, 502, "agentops-run LLM proxy: \(error)", close: !keepAlive) }
            record(&exchange, start: start, complete: false, overhead: overhead, head: head)
            return !gone
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
            if exchange.isEventStream, !scanner.isPassingThrough {
                let events = scanner.feed(piece)
                if changes {
                    forward = []
                    for event in events { forward += exchange.read(event: event) }
                } else {
                    for event in events { _ = exchange.read(event: event) }
                }
                // An event over the limit: what is held goes on as it is, and the rest of
                // the stream as it comes, unparsed (it was held whole, and the client got
                // nothing until it ended: hostile pass, round 13).
                if scanner.isPassingThrough {
                    let held = scanner.takeRemainder()
                    if changes { forward += held }
                }
            } else if !exchange.isEventStream {
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
        exchange.readBody()
        let occurrence = exchange.responseID.map { id in
            responseCounts.withLock { counts -> Int in
                let count = (counts[id] ?? 0) + 1
                if counts[id] != nil || counts.count < 100_000 { counts[id] = count }
                return count
            }
        } ?? 1
        guard let event = exchange.event(session: recorder.sessionID, start: start, end: .now(), complete: complete,
                                         overheadMicroseconds: overhead, occurrence: occurrence) else { return }
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

    /// Answers with `status` and a JSON message both SDKs show.
    private func answer(_ fd: Int32, _ status: Int, _ message: String, close: Bool) {
        _ = TCPSocket.send(fd, Self.errorAnswer(status, message, close: close))
    }

    /// An answer with `status` and a JSON message both SDKs show (OpenAI reads
    /// `error.message`; Anthropic `type: error` and `error.message`).
    static func errorAnswer(_ status: Int, _ message: String, close: Bool) -> [UInt8] {
        let body = JSONWriter.compact(.object([
            ("type", .string("error")),
            ("error", .object([("type", .string("agentops_llm_proxy_error")), ("message", .string(message))])),
        ]))
        var fields: [(name: String, value: String)] = [("Content-Type", "application/json"),
                                                       ("Content-Length", String(body.count))]
        if close { fields.append(("Connection", "close")) }
        return HTTPHead(status: status, fields: fields).bytes + body
    }
}
