import AgentOpsKit
import Foundation

/// One request to the real API, its response read as it arrives.
protocol UpstreamCall: AnyObject {
    /// Sends the request and waits for the response's head.
    ///
    /// - Returns: status, reason phrase and end-to-end header fields (framing removed).
    /// - Throws: `ProxyError.upstream` when the API cannot be reached or answers garbage.
    func start(method: String, url: URL, fields: [(name: String, value: String)], body: [UInt8]) throws
        -> (status: Int, reason: String, fields: [(name: String, value: String)], length: Int?)
    /// The next bytes of the body, decoded from its framing; empty at its end.
    ///
    /// - Throws: `ProxyError.upstream` when the body breaks off.
    func next() throws -> [UInt8]
    /// Closes the connection (after the end, or to abandon it).
    func close()
    /// Looks at the client's socket `fd` while the API is waited for (`ClientWatch`):
    /// `start` and `next` throw `ProxyError.clientGone` when the client is gone.
    func watch(client fd: Int32)
}

/// Where an upstream is reached: plain HTTP written here (byte-exact, and no libcurl in
/// the way for a local or test server), HTTPS through URLSession.
enum Upstream {
    /// How long connecting to the API may take.
    static let connectTimeout = 15.0
    /// How long the API may go quiet in the middle of a response (a model thinking).
    static let idleTimeout = 600.0

    static func call(for url: URL, session: URLSessionUpstream.Shared) -> UpstreamCall {
        url.scheme?.lowercased() == "http" ? PlainHTTPCall() : URLSessionCall(shared: session)
    }
}

/// HTTP/1.1 over a fresh TCP connection, one request per connection.
final class PlainHTTPCall: UpstreamCall {
    /// The client (`watch(client:)`).
    private var client: ClientWatch?
    private var fd: Int32 = -1

    func watch(client fd: Int32) { client = ClientWatch(fd: fd) }
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)
    private var pending: [UInt8] = []
    private enum Framing { case length(Int), chunked(HTTPChunked.Decoder), close, none }
    private var framing = Framing.none

    func start(method: String, url: URL, fields: [(name: String, value: String)], body: [UInt8]) throws
        -> (status: Int, reason: String, fields: [(name: String, value: String)], length: Int?) {
        // The exporters' target: the path as the client encoded it (`url.path` decodes
        // `%2F` into a slash), and an IPv6 host in brackets in `Host`.
        guard let target = HTTPEndpoint(url.absoluteString) else { throw ProxyError.upstream("no host in \(url)") }
        do {
            fd = try TCPSocket.connect(host: target.host, port: target.port, timeout: Upstream.connectTimeout)
        } catch {
            throw ProxyError.upstream("\(error)")
        }
        TCPSocket.setReceiveTimeout(fd, seconds: Int(Upstream.idleTimeout))
        let hostField = target.hostField
        var head = HTTPHead(start: (method, target.requestTarget, "HTTP/1.1"),
                                  fields: [("Host", hostField)] + fields + [("Connection", "close")])
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" {
            head.fields.append(("Content-Length", String(body.count)))
        }
        // A big body goes after the head rather than joined to it, which copied it once
        // more; a small one joined, in one segment (sent apart, Nagle's algorithm would
        // hold its last part until the API acknowledged the head).
        let sent = body.count > 1 << 20 ? TCPSocket.send(fd, head.bytes) && TCPSocket.send(fd, body)
            : TCPSocket.send(fd, head.bytes + body)
        guard sent else {
            throw ProxyError.upstream("the connection to \(hostField) broke while sending: \(errnoText())")
        }
        while true {
            switch HTTPHead.parse(pending[...]) {
            case .incomplete:
                try awaitUpstream(head: true)
                let got = TCPSocket.receive(fd, into: &buffer)
                if got.isEmpty { throw ProxyError.upstream("\(hostField) closed the connection without answering") }
                pending.append(contentsOf: got)
            case .tooLarge:
                throw ProxyError.upstream("\(hostField) answered with a head over \(HTTPHead.maxBytes >> 10) KiB")
            case let .malformed(problem):
                throw ProxyError.upstream("\(hostField) answered with a malformed head: \(problem)")
            case let .head(response, length):
                pending.removeFirst(length)
                guard let status = response.status else { throw ProxyError.upstream("bad status line from \(hostField)") }
                // 1xx interim answers (100 Continue) are not the response.
                if status < 200 { continue }
                var length: Int?
                let decided: HTTPHead.BodyFraming
                do {
                    decided = try response.responseFraming(status: status, method: method)
                } catch {
                    throw ProxyError.upstream("\(hostField) answered with a malformed head: \(error.what)")
                }
                switch decided {
                case let .length(count):
                    framing = .length(count)
                    length = count
                case .chunked:
                    framing = .chunked(HTTPChunked.Decoder())
                case .untilClose:
                    framing = .close
                }
                return (status, response.start.2, response.endToEndFields, length)
            }
        }
    }

    func next() throws -> [UInt8] {
        while true {
            switch framing {
            case .none:
                return []
            case let .length(left):
                if left == 0 { return [] }
                if pending.isEmpty { try fill() }
                let take = min(left, pending.count)
                let out = Array(pending.prefix(take))
                pending.removeFirst(take)
                framing = .length(left - take)
                return out
            case var .chunked(decoder):
                if decoder.isFinished { return [] }
                if pending.isEmpty { try fill() }
                let out = decoder.feed(pending)
                pending.removeAll(keepingCapacity: true)
                if decoder.isMalformed { throw ProxyError.upstream("malformed chunked body from the API") }
                framing = .chunked(decoder)
                if !out.isEmpty || decoder.isFinished { return out }
            case .close:
                if pending.isEmpty {
                    try awaitUpstream(head: false)
                    let got = TCPSocket.receive(fd, into: &buffer)
                    if got.isEmpty {
                        framing = .none
                        return []
                    }
                    return Array(got)
                }
                defer { pending.removeAll(keepingCapacity: true) }
                return pending
            }
        }
    }

    /// Waits until the API has bytes to read; throws `ProxyError.clientGone` when the
    /// watched client is gone first (`ClientWatch`), and `ProxyError.upstream` when the
    /// API sends nothing for `Upstream.idleTimeout`.
    private func awaitUpstream(head: Bool) throws {
        guard var watch = client else { return }
        defer { client = watch }
        let deadline = Clock.monotonicMicroseconds() + Int64(Upstream.idleTimeout * 1_000_000)
        while true {
            let left = Int32(clamping: (deadline - Clock.monotonicMicroseconds()) / 1000)
            guard left > 0 else { throw ProxyError.upstream("the API sent nothing for \(Int(Upstream.idleTimeout)) s") }
            let (ready, peer) = Readiness.readable(fd, watching: watch.fd, watchingDoneSending: head && watch.watchesDoneSending,
                                                   milliseconds: head ? watch.waitLimit(left) : left)
            try watch.take(peer, head: head)
            switch ready {
            case .ready, .failed: return
            case .timedOut, .interrupted: continue
            }
        }
    }

    private func fill() throws {
        try awaitUpstream(head: false)
        let got = TCPSocket.receive(fd, into: &buffer)
        if got.isEmpty { throw ProxyError.upstream("the API closed the connection in the middle of the response") }
        pending.append(contentsOf: got)
    }

    func close() {
        if fd >= 0 { Descriptors.close(fd) }
        fd = -1
    }

    deinit { close() }
}
