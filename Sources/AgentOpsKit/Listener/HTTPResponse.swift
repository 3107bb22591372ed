/// An answer of the loopback listener: JSON (the AgentOps SDK fails on any other body,
/// errors included), or raw bytes of another type for OTLP, which answers in the
/// content type it was sent.
struct HTTPResponse: Sendable, Equatable {
    var status: Int
    var body: JSONValue
    /// A body that is not JSON and its content type (OTLP protobuf), sent instead of `body`.
    var raw: (contentType: String, bytes: [UInt8])?

    /// A JSON answer.
    init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body
    }

    /// An answer of `contentType` holding `bytes`.
    init(status: Int, contentType: String, bytes: [UInt8]) {
        self.status = status
        body = .null
        raw = (contentType, bytes)
    }

    static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.raw?.contentType == rhs.raw?.contentType
            && lhs.raw?.bytes == rhs.raw?.bytes
    }

    /// The server's error shape: `{"path": …, "message": …}`.
    static func error(_ status: Int, path: String, message: String) -> HTTPResponse {
        HTTPResponse(status: status, body: .object([("path", .string(path)), ("message", .string(message))]))
    }

    /// The bytes on the wire; `close` adds `Connection: close`.
    func serialized(close: Bool) -> [UInt8] {
        let payload = raw?.bytes ?? JSONWriter.compact(body)
        var fields = [("Content-Type", raw?.contentType ?? "application/json; charset=UTF-8"),
                      ("Content-Length", String(payload.count))]
        if close { fields.append(("Connection", "close")) }
        return HTTPHead(status: status, fields: fields).bytes + payload
    }
}
