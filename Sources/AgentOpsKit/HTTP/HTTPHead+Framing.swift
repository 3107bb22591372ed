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

    /// Framing that cannot be trusted: a `Content-Length` that is not plain decimal
    /// digits or copies of it that differ, a transfer coding other than `chunked` alone,
    /// or a request with both fields (how requests are smuggled past a proxy).
    public struct BadFraming: Error, Equatable, CustomStringConvertible {
        /// Which field is at fault: what a reader that answers each differently (the
        /// exporters' `HTTPResponseReader`) switches on, rather than on the words.
        public enum Reason: Equatable, Sendable {
            /// `Content-Length` is not plain digits, or its copies differ.
            case length
            /// `Transfer-Encoding` names something other than `chunked` alone: its values.
            case coding(String)
            /// A request sends both `Transfer-Encoding` and `Content-Length`.
            case lengthAndCoding
        }

        /// Which field is at fault.
        public var reason: Reason

        /// Framing malformed for `reason`.
        public init(_ reason: Reason) {
            self.reason = reason
        }

        /// What is malformed, in a few words.
        public var what: String {
            switch reason {
            case .length: return "Content-Length"
            case let .coding(values): return "Transfer-Encoding \(values)"
            case .lengthAndCoding: return "request: both Transfer-Encoding and Content-Length"
            }
        }

        public var description: String { "malformed \(what)" }
    }

    /// `Content-Length`: nil when there is none.
    ///
    /// Strict (RFC 9110 §8.6): digits only, no sign, every copy the same. A lenient
    /// `Int(…)` took `-1`, which the reader then used as a byte count and trapped on;
    /// and copies that disagree are how a request is smuggled past a proxy. At most 18
    /// digits, so the number fits in an `Int`. Copies in one field (`2, 2`) count as
    /// copies in fields of their own (§5.3: the same field either way).
    ///
    /// - Throws: `BadFraming` for anything else.
    public func contentLength() throws(BadFraming) -> Int? {
        let values = fields.values(named: "content-length")
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.httpTrimmed }
        guard let first = values.first else { return nil }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
              first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(first) else {
            throw BadFraming(.length)
        }
        return length
    }

    /// The framing of this request's body (RFC 9112 §6.3): chunked, a length, or no
    /// body without either. A request with both fields is refused rather than read as
    /// chunked (the RFC lets a server take the chunks, but the sender and a server
    /// behind the proxy may disagree on where the request ends), and so is any transfer
    /// coding but `chunked` alone (the RFC's 501).
    ///
    /// - Throws: `BadFraming` when the length or the coding is malformed, or both are sent.
    public func requestFraming() throws(BadFraming) -> BodyFraming {
        if let coding = try transferCoding() {
            guard !fields.contains(named: "content-length") else {
                throw BadFraming(.lengthAndCoding)
            }
            return coding
        }
        return .length(try contentLength() ?? 0)
    }

    /// `.chunked` for `Transfer-Encoding: chunked` (every copy of the field together
    /// naming that one coding, in any case); nil without the field.
    ///
    /// - Throws: `BadFraming` for any other coding (`gzip, chunked`, `xchunked`,
    ///   `chunked, chunked`), which agentops-run does not decode.
    private func transferCoding() throws(BadFraming) -> BodyFraming? {
        let values = fields.values(named: "transfer-encoding")
        guard !values.isEmpty else { return nil }
        let codings = values.flatMap { $0.split(separator: ",") }.map { $0.httpTrimmed.lowercased() }
        guard codings == ["chunked"] else { throw BadFraming(.coding(values.joined(separator: ", "))) }
        return .chunked
    }

    /// The framing of this response's body, answering a request with `method` with
    /// `status`: none for a `HEAD`, a 204 or a 304 whatever the fields say, chunked
    /// before a length, else until the close.
    ///
    /// - Throws: `BadFraming` when the length or the coding is malformed.
    public func responseFraming(status: Int, method: String) throws(BadFraming) -> BodyFraming {
        if method == "HEAD" || status == 204 || status == 304 { return .length(0) }
        if let coding = try transferCoding() { return coding }
        return try contentLength().map { .length($0) } ?? .untilClose
    }
}
