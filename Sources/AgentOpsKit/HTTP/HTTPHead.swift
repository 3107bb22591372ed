/// The head of an HTTP/1.x message, request or response: its start line split in three
/// and its fields in order, names as sent.
///
/// The one type every HTTP side of agentops-run speaks in: the loopback listener, the
/// LLM proxy towards its clients and towards the API, and the exporters' plain client.
/// A head is parsed (`parse`) and written (`bytes`) by one set of rules. Before, the
/// listener's strict parser and the proxy's lenient one disagreed: the proxy took a
/// field name with a space before its colon (`Content-Length : 5`), which it then did
/// not see as the body's length — how a request is smuggled past a proxy.
public struct HTTPHead: Sendable, Equatable {
    /// Request: method, target, version. Response: version, status, reason (which may
    /// be empty).
    public var start: (String, String, String)
    /// The fields in order, names as sent, values without surrounding blanks.
    public var fields: [(name: String, value: String)]

    public init(start: (String, String, String), fields: [(name: String, value: String)]) {
        self.start = start
        self.fields = fields
    }

    /// A response head with the usual reason phrase for `status`.
    public init(status: Int, fields: [(name: String, value: String)]) {
        self.init(start: ("HTTP/1.1", String(status), Self.reason(for: status)), fields: fields)
    }

    public static func == (lhs: HTTPHead, rhs: HTTPHead) -> Bool {
        lhs.start == rhs.start && lhs.fields.elementsEqual(rhs.fields, by: { $0 == $1 })
    }

    /// The first field named `name`, case-insensitively.
    public func field(_ name: String) -> String? {
        fields.value(named: name)
    }


    /// The protocol version: the first word of a status line, the last of a request
    /// line (a method is a token, which holds no `/`, so it never starts with `HTTP/`).
    public var version: String { start.0.hasPrefix("HTTP/") ? start.0 : start.2 }

    /// Whether the connection stays open after this message (RFC 9112 §9.3): HTTP/1.1
    /// unless `Connection` says `close`, HTTP/1.0 only when it says `keep-alive`.
    public var keepsAlive: Bool {
        Self.keepsAlive(version: version, connection: field("connection"))
    }

    /// The rule of `keepsAlive`, for a head kept in another shape.
    public static func keepsAlive(version: String, connection: String?) -> Bool {
        let tokens = (connection ?? "").lowercased().split(separator: ",").map { $0.httpTrimmed }
        return version == "HTTP/1.0" ? tokens.contains("keep-alive") : !tokens.contains("close")
    }

    /// The head as sent: start line, fields, blank line. A line break (or NUL) in a
    /// value, which would start a field of its own, is sent as one space.
    public var bytes: [UInt8] {
        var text = "\(start.0) \(start.1) \(start.2)\r\n"
        for field in fields {
            // CR, LF and NUL never join a grapheme cluster but as "\r\n" (one space).
            let value = String(field.value.map { $0 == "\r\n" || $0 == "\r" || $0 == "\n" || $0 == "\0" ? " " : $0 })
            text += "\(field.name): \(value)\r\n"
        }
        return Array((text + "\r\n").utf8)
    }

    /// The reason phrase sent with `status` (any phrase will do, RFC 9112 §4: these
    /// are the registered ones for the statuses agentops-run answers with).
    public static func reason(for status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (field values, list items, chunk
    /// sizes: HTTP's optional whitespace, RFC 9110 §5.6.3).
    var httpTrimmed: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
