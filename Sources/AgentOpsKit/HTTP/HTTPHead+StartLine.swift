extension HTTPHead {
    /// What is wrong with a request line, if anything.
    public enum RequestLineProblem: Error, Equatable, Sendable {
        /// Not `method SP target SP version`, or a method that is not a token, or a
        /// target that is neither a path nor `*` (400).
        case malformed
        /// A version other than HTTP/1.1 and HTTP/1.0 (505).
        case unsupportedVersion
    }

    /// Checks the start line as a request line (RFC 9112 §3): a token method, an
    /// origin-form target (`/…`) or `*`, and HTTP/1.1 or HTTP/1.0.
    public func checkRequestLine() throws(RequestLineProblem) {
        let (method, target, version) = start
        guard method.utf8.allSatisfy(Self.isTokenByte), target.hasPrefix("/") || target == "*",
              !version.isEmpty, !version.contains(" ") else {
            throw .malformed
        }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { throw .unsupportedVersion }
    }

    /// The status of a response head (RFC 9112 §4): nil unless the start line is
    /// HTTP/1.1 or HTTP/1.0 and three digits from 100 to 599.
    public var status: Int? {
        let (version, code, _) = start
        guard version == "HTTP/1.1" || version == "HTTP/1.0", code.utf8.count == 3,
              code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let status = Int(code),
              (100...599).contains(status) else {
            return nil
        }
        return status
    }
}
