import AgentOpsKit
import Foundation

/// HTTP/1.1 over one kept-alive TCP connection, for `http://` endpoints: what an
/// exporter needs of URLSession without FoundationNetworking (`BlockingExchange`).
///
/// Connecting, sending and receiving all count against the exchange's one deadline.
/// The connection is kept for the next batch unless the server said `close` or framed
/// the body by closing; a kept-alive connection the server closed in between is
/// noticed before sending, and a request that finds it closed under it (reset, or the
/// end before a byte of an answer) goes once more on a fresh connection: the server
/// answered nothing, so nothing is sent twice that it acknowledged. Failures are
/// `.unanswered` with the words URLSession's gave (`connection refused`, `timed out`,
/// `host not found`, `connection lost`), so the clients classify them as before; an
/// answer that is not readable HTTP is `.malformed`, which no client retries.
///
/// Not thread-safe: `BlockingExchange` holds it under its lock.
final class PlainHTTPClient {
    private var connection: (fd: Int32, target: HTTPEndpoint)?
    /// Read buffer, reused across exchanges (answers are small; a large one is read in
    /// several passes).
    private var buffer = [UInt8](repeating: 0, count: 16 << 10)

    deinit { drop() }

    /// Sends `request` with `body` to its (plain `http://`) endpoint and reads the
    /// answer, all within `timeout`.
    func exchange(_ request: BlockingExchange.Request, body: UnsafeRawBufferPointer,
                  timeout: Double) -> BlockingExchange.Answer {
        let target = request.endpoint
        let seconds = max(0.1, min(timeout, 86_400 * 365))
        let deadline = Clock.monotonicMicroseconds() + Int64(seconds * 1_000_000)
        let head = Self.head(request, bodyCount: body.count)
        if let kept = connection, !kept.target.sharesConnection(with: target) || !TCPSocket.isIdleAndOpen(kept.fd) {
            drop()
        }
        var retried = false
        while true {
            let reused = connection != nil
            if !reused, let failure = connect(target, until: deadline) { return .unanswered(reason: failure) }
            switch attempt(head: head, body: body, method: request.method, until: deadline, timeout: seconds) {
            case let .answered(answer, keepAlive):
                if !keepAlive { drop() }
                return .http(answer)
            case let .lostBeforeAnswer(reason):
                drop()
                guard reused, !retried else { return .unanswered(reason: reason) }
                retried = true
            case let .failed(reason):
                drop()
                return .unanswered(reason: reason)
            case let .malformed(reason):
                drop()
                return .malformed(reason: reason)
            }
        }
    }

    private enum Attempt {
        case answered(BlockingExchange.HTTPAnswer, keepAlive: Bool)
        /// The connection broke before a byte of the answer came.
        case lostBeforeAnswer(String)
        case failed(String)
        /// The server answered something that cannot be read as HTTP.
        case malformed(String)
    }

    /// One request on the current connection.
    private func attempt(head: [UInt8], body: UnsafeRawBufferPointer, method: String, until deadline: Int64,
                         timeout: Double) -> Attempt {
        guard let fd = connection?.fd else { return .failed("connection lost") }
        // A small body goes in the head's segment; a batch is sent from where it lies,
        // not copied behind the head.
        let sent: TCPSocket.Transfer
        if body.count <= 16 << 10 {
            sent = (head + body).withUnsafeBytes { TCPSocket.send(fd, $0, until: deadline) }
        } else {
            let first = head.withUnsafeBytes { TCPSocket.send(fd, $0, until: deadline) }
            sent = first == .done(head.count) ? TCPSocket.send(fd, body, until: deadline) : first
        }
        switch sent {
        case .done: break
        case .timedOut: return .failed(BlockingExchange.noAnswer(within: timeout))
        case let .failed(error):
            // A server that closed a kept-alive connection resets the first send.
            return error.isConnectionLost ? .lostBeforeAnswer("connection lost") : .failed("\(error)")
        }
        var reader = HTTPResponseReader(method: method)
        do throws(HTTPResponseReader.Problem) {
            while !reader.isComplete {
                switch TCPSocket.receive(fd, into: &buffer, until: deadline) {
                case .done(0):
                    if !reader.receivedAny { return .lostBeforeAnswer("connection lost") }
                    try reader.endOfStream()
                case let .done(count):
                    try reader.feed(buffer[0..<count])
                case .timedOut:
                    return .failed(BlockingExchange.noAnswer(within: timeout))
                case let .failed(error):
                    if !reader.receivedAny, error.isConnectionLost { return .lostBeforeAnswer("connection lost") }
                    return .failed(error.isConnectionLost ? "connection lost" : "\(error)")
                }
            }
        } catch {
            // Cut off is a lost connection, worth another try; anything else is what
            // this server answers.
            return error == .cutOff ? .failed("\(error)") : .malformed("\(error)")
        }
        let answer = BlockingExchange.HTTPAnswer(statusCode: reader.status, fields: reader.fields, body: reader.body)
        return .answered(answer, keepAlive: reader.keepsAlive)
    }

    /// Connects to `target`; the reason in URLSession's words when it cannot.
    private func connect(_ target: HTTPEndpoint, until deadline: Int64) -> String? {
        let left = Double(deadline - Clock.monotonicMicroseconds()) / 1_000_000
        guard left > 0 else { return "timed out" }
        do {
            connection = (try TCPSocket.connect(host: target.host, port: target.port, timeout: left), target)
            return nil
        } catch {
            switch error {
            case .resolve: return "host not found"
            case _ where error.isRefused: return "connection refused"
            case _ where error.isTimedOut: return "timed out"
            default: return "\(error)"
            }
        }
    }

    private func drop() {
        if let fd = connection?.fd { Descriptors.close(fd) }
        connection = nil
    }

    /// The request head: request line, `Host`, the body's length, then the client's
    /// fields (`HTTPHead.bytes` sends a line break in a value as a space).
    static func head(_ request: BlockingExchange.Request, bodyCount: Int) -> [UInt8] {
        let target = request.endpoint
        var fields: [(name: String, value: String)] = [("Host", target.hostField)]
        if request.method != "GET" || bodyCount > 0 { fields.append(("Content-Length", String(bodyCount))) }
        fields += request.fields
        if let basic = target.basicAuthorization, !request.fields.contains(named: "authorization") {
            fields.append(("Authorization", basic))
        }
        if !request.fields.contains(named: "accept") { fields.append(("Accept", "*/*")) }
        return HTTPHead(start: (request.method, target.requestTarget, "HTTP/1.1"), fields: fields).bytes
    }
}
