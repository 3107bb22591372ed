import Foundation

/// What a handler decides from a request's head, before a byte of its body is read.
enum HTTPScreening: Sendable {
    /// Answer now without reading the body (unknown route, no credentials, …).
    case answer(HTTPResponse)
    /// Read a body of at most `limit` bytes (413 beyond), then `respond`. `trusted`
    /// says the client proved itself (a key), so its connection is never evicted to
    /// make room while it waits for its next request.
    case read(limit: Int, trusted: Bool)
}

/// What the listener serves: a screen on the head (before any body is read, so an
/// unauthorised or unknown request never makes it buffer a body) and the answer. Each
/// route decides its own credentials and body limit in `screen`: the SDK's v2 calls
/// need the run's key and carry small batches; a route that accepts anonymous
/// requests (OTLP traces) can still bound its bodies.
protocol HTTPHandler: Sendable {
    /// Whether to read the body, and how much of it.
    func screen(_ head: HTTPRequestHead) -> HTTPScreening
    /// The answer to a whole request.
    func respond(_ head: HTTPRequestHead, body: ArraySlice<UInt8>) -> HTTPResponse
}

/// A small HTTP/1.1 server on 127.0.0.1 only, on a port the kernel picks, for the SDK
/// and OpenTelemetry (`LoopbackServer`: one thread accepts, one thread serves each
/// connection; the SDK keeps one or two open).
///
/// It must never be the reason a run misbehaves, so every client is bounded
/// (`LoopbackLimits`): a request must arrive whole within `requestTimeout` of its first
/// byte (slowloris), an idle keep-alive connection is closed after `idleTimeout`
/// (`busyIdleTimeout` once more than half the connections are taken), heads and bodies
/// have size limits (431, 413: the handler's per-route limit under `maxBodyBytes`),
/// bodies in flight share `bodyBudget` bytes (503 beyond), answers are written with a
/// send timeout and without SIGPIPE, and a refused client still sending its body reads
/// its answer (the connection lingers). At `maxConnections`, a new connection takes the
/// place of the oldest one waiting that never showed the key.
final class LoopbackListener: Sendable {
    /// Bounds on what one client can make the listener do.
    typealias Limits = LoopbackLimits

    /// The stack of the accepting thread and of each connection's.
    static let threadStackSize = LoopbackServer.threadStackSize

    /// The port it listens on, on 127.0.0.1.
    var port: UInt16 { server.port }
    private let server: LoopbackServer
    private let handler: HTTPHandler

    /// Binds 127.0.0.1 on a free port and starts listening; `start` begins accepting
    /// (connections made before wait in the backlog).
    ///
    /// - Throws: `ListenerError` naming the call that failed.
    init(handler: HTTPHandler, limits: Limits = Limits()) throws {
        self.handler = handler
        do {
            server = try LoopbackServer(
                name: "agentops-listener", limits: limits, backlog: 64,
                refusal: { HTTPResponse.error($0, path: "", message: $1).serialized(close: true) },
                configure: { TCPSocket.setSendTimeout($0, seconds: Int(limits.requestTimeout)) })
        } catch {
            switch error {
            case let .socket(reason): throw ListenerError(call: "socket", code: reason.code)
            case let .bind(reason): throw ListenerError(call: "bind or listen", code: reason.code)
            default: throw ListenerError(call: "socket", code: 0)
            }
        }
    }

    /// The base URL clients use.
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Starts the accepting thread. Without one (`ulimit -u`) the listener is closed at
    /// once, so the SDK's requests are refused instead of waiting for an answer.
    func start() {
        _ = server.start { [self] in serveRequests($0) }
    }

    /// Stops accepting, lets requests being answered finish for up to `grace` seconds,
    /// then closes every connection. Idempotent.
    func stop(grace: Double = 1) {
        server.stop(grace: grace)
    }

    /// Serves requests on one connection until the client closes it, asks to, stalls,
    /// or sends something that puts the stream out of step.
    private func serveRequests(_ connection: ClientConnection) -> LoopbackServer.Ending {
        let limits = connection.limits
        while true {
            let head: HTTPRequestHead, headLength: Int, deadline: Double
            let next = connection.nextHead { bytes -> HTTPRequestParser.Result? in
                let result = HTTPRequestParser.parse(bytes, maxHeadBytes: limits.maxHeadBytes,
                                                     maxBodyBytes: limits.maxBodyBytes)
                return result == .incomplete ? nil : result
            }
            switch next {
            case .closed:
                return .close
            case let .parsed(.failure(failure), _):
                return connection.refuse(failure.status, failure.message)
            case let .parsed(.head(parsed, length), requestDeadline):
                (head, headLength, deadline) = (parsed, length, requestDeadline)
            case .parsed(.incomplete, _):
                return .close
            }
            if !connection.beginRequest() {
                connection.send(HTTPResponse.error(503, path: head.path, message: "the run is ending")
                    .serialized(close: true))
                return .close
            }
            defer { connection.endRequest() }
            let limit: Int
            switch handler.screen(head) {
            case let .answer(early):
                // The body was not read; unless there is none, the stream is out of step.
                let keep = head.contentLength == 0 && head.keepAlive
                guard keep else { return refuse(connection, early) }
                connection.send(early.serialized(close: false))
                connection.pending.removeFirst(headLength)
                continue
            case let .read(routeLimit, trusted):
                limit = min(routeLimit, limits.maxBodyBytes)
                connection.markBusy(trusted: trusted)
            }
            guard head.contentLength <= limit else {
                return refuse(connection, .error(413, path: head.path, message: "request body over \(limit) bytes"))
            }
            // Bodies are held whole until answered: their sum is bounded, and a client
            // over it is told to come back rather than waited for.
            guard connection.reserveBody(head.contentLength) else {
                return refuse(connection, .error(503, path: head.path, message: "too many request bodies in "
                    + "flight; retry"))
            }
            defer { connection.releaseBody(head.contentLength) }
            let total = headLength + head.contentLength
            switch connection.receive(count: total, until: deadline) {
            case .data: break
            case .timedOut:
                connection.send(HTTPResponse.error(408, path: head.path, message: "request body not received within "
                    + "\(DurationFormat.sdk(limits.requestTimeout))").serialized(close: true))
                return .close
            case .closed:
                return .close
            }
            let response = handler.respond(head, body: connection.pending[headLength..<total])
            connection.pending.removeFirst(total)
            // A big body's storage is not kept for the next request.
            if connection.pending.capacity > 1 << 20 { connection.pending = Array(connection.pending) }
            let keep = head.keepAlive && !connection.isStopping
            guard connection.send(response.serialized(close: !keep)), keep else { return .close }
            connection.markWaiting()
        }
    }

    /// Sends a refusal with `Connection: close`, after which the connection lingers.
    private func refuse(_ connection: ClientConnection, _ response: HTTPResponse) -> LoopbackServer.Ending {
        connection.send(response.serialized(close: true))
        return .linger
    }
}

/// A socket call that failed while starting the listener.
struct ListenerError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call): \(errnoText(code))" }
}
