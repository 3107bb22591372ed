/// The head of one HTTP/1.x request: what the listener needs to decide, before it
/// reads a byte of the body, whether to read it at all.
struct HTTPRequestHead: Sendable, Equatable {
    var method: String
    /// The request target as sent (`/v2/create_events`).
    var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    var version: String
    /// Header fields in order, names lowercased.
    var headers: [(String, String)]
    /// The body's length (0 without `Content-Length`).
    var contentLength: Int

    static func == (lhs: HTTPRequestHead, rhs: HTTPRequestHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version
            && lhs.contentLength == rhs.contentLength && lhs.headers.elementsEqual(rhs.headers, by: ==)
    }

    /// The value of the first field named `name` (lowercase).
    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }

    /// The path without a query string.
    var path: String { String(target.prefix { $0 != "?" }) }

    /// Whether the connection stays open after the answer (`HTTPHead.keepsAlive`).
    var keepAlive: Bool { HTTPHead.keepsAlive(version: version, connection: header("connection")) }
}

/// An HTTP request the listener refuses: the status, a message for the JSON body,
/// and whether the connection can go on (it cannot once the stream is out of step).
struct HTTPFailure: Error, Equatable {
    var status: Int
    var message: String
}

/// Reads request heads from the bytes read so far (`HTTPHead.parse`, the one parser of
/// every side) and decides what the listener serves. Pure, so that every malformed,
/// truncated and oversized input is unit tested.
enum HTTPRequestParser {
    /// What the bytes so far hold.
    enum Result: Equatable {
        /// Not a whole head yet.
        case incomplete
        /// A head, and the bytes it took (the body starts there).
        case head(HTTPRequestHead, length: Int)
        /// A request that cannot be served; the connection must close after the answer.
        case failure(HTTPFailure)
    }

    /// Parses the head at the start of `bytes`.
    ///
    /// - Parameters:
    ///   - maxHeadBytes: a head that is not complete within this many bytes is refused
    ///     (431), so a client cannot make the listener buffer without end.
    ///   - maxBodyBytes: a declared body longer than this is refused (413) before a
    ///     byte of it is read.
    static func parse(_ bytes: ArraySlice<UInt8>, maxHeadBytes: Int, maxBodyBytes: Int) -> Result {
        let head: HTTPHead, length: Int
        switch HTTPHead.parse(bytes, maxBytes: maxHeadBytes) {
        case .incomplete: return .incomplete
        case .tooLarge: return .failure(HTTPFailure(status: 431, message: "request head too large"))
        case let .malformed(why): return .failure(HTTPFailure(status: 400, message: "malformed request: \(why)"))
        case let .head(parsed, taken): (head, length) = (parsed, taken)
        }
        do {
            try head.checkRequestLine()
        } catch .malformed {
            return .failure(HTTPFailure(status: 400, message: "malformed request line"))
        } catch {
            return .failure(HTTPFailure(status: 505, message: "only HTTP/1.1 and HTTP/1.0 are served"))
        }
        if head.field("transfer-encoding") != nil {
            return .failure(HTTPFailure(status: 411, message: "chunked bodies are not supported; send Content-Length"))
        }
        let contentLength: Int
        do {
            contentLength = try head.contentLength() ?? 0
        } catch {
            return .failure(HTTPFailure(status: 400, message: "\(error)"))
        }
        guard contentLength <= maxBodyBytes else {
            return .failure(HTTPFailure(status: 413, message: "request body over \(maxBodyBytes) bytes"))
        }
        let request = HTTPRequestHead(method: head.start.0, target: head.start.1, version: head.start.2,
                                      headers: head.fields.map { ($0.name.lowercased(), $0.value) },
                                      contentLength: contentLength)
        return .head(request, length: length)
    }
}
