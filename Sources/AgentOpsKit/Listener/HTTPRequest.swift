import Foundation

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

    /// Whether the connection stays open after the answer: HTTP/1.1 unless the client
    /// says `close`; HTTP/1.0 only when it asks for `keep-alive`.
    var keepAlive: Bool {
        let tokens = (header("connection") ?? "").lowercased().split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if version == "HTTP/1.0" { return tokens.contains("keep-alive") }
        return !tokens.contains("close")
    }
}

/// An HTTP request the listener refuses: the status, a message for the JSON body,
/// and whether the connection can go on (it cannot once the stream is out of step).
struct HTTPFailure: Error, Equatable {
    var status: Int
    var message: String
}

/// Parses request heads from the bytes read so far. Pure, so that every malformed,
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
        // Empty lines before a request line are ignored (RFC 9112 §2.2).
        var start = bytes.startIndex
        while start < bytes.endIndex, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard let end = headEnd(bytes[start...]) else {
            if bytes.count > maxHeadBytes { return .failure(HTTPFailure(status: 431, message: "request head too large")) }
            return .incomplete
        }
        guard end.headEnd - start <= maxHeadBytes else {
            return .failure(HTTPFailure(status: 431, message: "request head too large"))
        }
        guard let text = String(validating: bytes[start..<end.headEnd], as: UTF8.self) else {
            return .failure(HTTPFailure(status: 400, message: "request head is not UTF-8"))
        }
        // "\r\n" is one Character in Swift: split on newline Characters, which covers
        // CRLF and bare LF alike.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else {
            return .failure(HTTPFailure(status: 400, message: "empty request"))
        }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenCharacter),
              parts[1].hasPrefix("/") || parts[1] == "*" else {
            return .failure(HTTPFailure(status: 400, message: "malformed request line"))
        }
        guard parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            return .failure(HTTPFailure(status: 505, message: "only HTTP/1.1 and HTTP/1.0 are served"))
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon > line.startIndex,
                  line[..<colon].allSatisfy(isTokenCharacter) else {
                return .failure(HTTPFailure(status: 400, message: "malformed header field"))
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((line[..<colon].lowercased(), value))
        }
        var head = HTTPRequestHead(method: String(parts[0]), target: String(parts[1]), version: String(parts[2]),
                                   headers: headers, contentLength: 0)
        if head.header("transfer-encoding") != nil {
            return .failure(HTTPFailure(status: 411, message: "chunked bodies are not supported; send Content-Length"))
        }
        let lengths = Set(headers.filter { $0.0 == "content-length" }.map(\.1))
        if lengths.count > 1 { return .failure(HTTPFailure(status: 400, message: "conflicting Content-Length")) }
        if let text = lengths.first {
            guard !text.isEmpty, text.utf8.count <= 18, text.allSatisfy(\.isASCIIDigit), let length = Int(text) else {
                return .failure(HTTPFailure(status: 400, message: "malformed Content-Length"))
            }
            guard length <= maxBodyBytes else {
                return .failure(HTTPFailure(status: 413, message: "request body over \(maxBodyBytes) bytes"))
            }
            head.contentLength = length
        }
        return .head(head, length: end.bodyStart - bytes.startIndex)
    }

    /// Where the head ends (before its blank line) and the body starts; nil until the
    /// blank line has arrived. Bare LF line ends are accepted as well as CRLF.
    private static func headEnd(_ bytes: ArraySlice<UInt8>) -> (headEnd: Int, bodyStart: Int)? {
        var index = bytes.startIndex
        while let newline = bytes[index...].firstIndex(of: 0x0A) {
            let next = newline + 1
            if next < bytes.endIndex, bytes[next] == 0x0A { return (newline + 1, next + 1) }
            if next + 1 < bytes.endIndex, bytes[next] == 0x0D, bytes[next + 1] == 0x0A { return (newline + 1, next + 2) }
            index = next
            if index >= bytes.endIndex { break }
        }
        return nil
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue, ascii > 0x20, ascii < 0x7F else { return false }
        return !"\"(),/:;<=>?@[\\]{}".utf8.contains(ascii)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}
