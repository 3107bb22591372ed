import Foundation

/// Where an `http://` URL sends a request: the host to connect to (an IPv6 literal
/// without its brackets, or a name `getaddrinfo` resolves), the port, the `Host` field
/// and the request target. Only plain HTTP: an `https://` URL is nil, and goes
/// through URLSession. Used by the exporters' `PlainHTTPClient` and the LLM proxy's
/// `PlainHTTPCall` alike.
struct HTTPTarget: Equatable {
    /// The host to connect to: a name, an IPv4 or an IPv6 address (no brackets, its zone
    /// id plain).
    var host: String
    var port: Int
    /// The `Host` field: the host (IPv6 in brackets) and the port when not 80.
    var hostField: String
    /// The path and query as sent (`/v1/traces?k=v`); the fragment is never sent.
    var requestTarget: String
    /// `Basic …` from user information in the URL (`http://user:pass@host/`), as curl sends it.
    var basicAuthorization: String?

    /// The target of `url`, or nil when it is not an `http://` URL with a host.
    init?(_ url: String) {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
              var host = components.percentEncodedHost, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else { return nil }
        // An IPv6 zone id comes percent-encoded in a URL (`[fe80::1%25eth0]`, RFC 6874);
        // the resolver takes it plain (`fe80::1%eth0`).
        self.host = host.contains(":") ? host.removingPercentEncoding ?? host : host
        self.port = port
        let bracketed = host.contains(":") ? "[\(host)]" : host
        hostField = port == 80 ? bracketed : "\(bracketed):\(port)"
        let path = components.percentEncodedPath
        requestTarget = (path.isEmpty ? "/" : path) + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        if let user = components.user {
            let credentials = user + ":" + (components.password ?? "")
            basicAuthorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        }
    }

    /// Whether a connection made for `other` can carry a request for this target.
    func sharesConnection(with other: HTTPTarget) -> Bool { host == other.host && port == other.port }
}
