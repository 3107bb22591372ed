extension HTTPHead {
    /// How a message's body is delimited (RFC 9112 §6.3): decided once here for the
    /// listener, the LLM proxy's two sides and the exporters' plain HTTP client, which
    /// each keep their own reading state.
    public enum BodyFraming: Equatable, Sendable {
        /// `Content-Length` bytes; 0 for a message without a body.
        case length(Int)
        /// `Transfer-Encoding: chunked` (`HTTPChunked.Decoder`).
        case chunked
        /// Until the sender closes the connection: a response with neither field.
        case untilClose
    }

    /// A `Content-Length` that is not plain decimal digits, or copies of it that differ.
    public struct BadLength: Error, Equatable, CustomStringConvertible {
        public var description: String { "malformed Content-Length" }
    }

    /// `Content-Length`: nil when there is none.
    ///
    /// Strict (RFC 9110 §8.6): digits only, no sign, every copy the same. A lenient
    /// `Int(…)` took `-1`, which the reader then used as a byte count and trapped on;
    /// and copies that disagree are how a request is smuggled past a proxy. At most 18
    /// digits, so the number fits in an `Int`.
    ///
    /// - Throws: `BadLength` for anything else.
    public func contentLength() throws(BadLength) -> Int? {
        let values = fields.values(named: "content-length").map { $0.httpTrimmed }
        guard let first = values.first else { return nil }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
              first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(first) else {
            throw BadLength()
        }
        return length
    }

    /// The framing of this request's body: chunked before a length (RFC 9112 §6.3), and
    /// no body without either.
    ///
    /// - Throws: `BadLength` when the length is malformed.
    public func requestFraming() throws(BadLength) -> BodyFraming {
        if isChunked { return .chunked }
        return .length(try contentLength() ?? 0)
    }

    /// The framing of this response's body, answering a request with `method` with
    /// `status`: none for a `HEAD`, a 204 or a 304 whatever the fields say, chunked
    /// before a length, else until the close.
    ///
    /// - Throws: `BadLength` when the length is malformed.
    public func responseFraming(status: Int, method: String) throws(BadLength) -> BodyFraming {
        if method == "HEAD" || status == 204 || status == 304 { return .length(0) }
        if isChunked { return .chunked }
        return try contentLength().map { .length($0) } ?? .untilClose
    }
}
