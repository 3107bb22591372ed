/// What only a proxy does with HTTP heads: which fields it passes on. (Parsing, writing
/// and framing are the same for every side: `HTTPHead`, `HTTPChunked`.)
public enum ProxyHTTP {
    /// Hop-by-hop fields (and `Host`, which the proxy sets for the upstream, and
    /// `Expect`: the proxy answers `100-continue` itself and has the whole body before
    /// it calls the API).
    public static let hopByHop = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                                  "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
                                  "expect"]
}

extension HTTPHead {
    /// The fields a proxy passes on: all but hop-by-hop ones (RFC 9110 §7.6.1: the
    /// fixed list and those named in `Connection`) and the body's framing, which each
    /// side of the proxy sets for itself.
    public var endToEndFields: [(name: String, value: String)] {
        let named = (field("connection") ?? "").lowercased().split(separator: ",").map { $0.httpTrimmed }
        let dropped = Set(ProxyHTTP.hopByHop + named + ["content-length"])
        return fields.filter { !dropped.contains($0.name.lowercased()) }
    }
}
