import Foundation

/// An endpoint URL from the environment (`AGENTOPS_API_ENDPOINT`,
/// `OTEL_EXPORTER_OTLP_ENDPOINT`), parsed once, by the one parser that decides both
/// whether it is usable at all (`EndpointURL.isHTTP`, when the settings are read) and
/// how a request goes there: plain `http://` through the exporters' own client, with
/// the host to connect to, the port, the `Host` field and the request target; `https://`
/// through URLSession, with its `URL`.
///
/// Two parsers used to answer these (`URL` for the settings, `URLComponents` for the
/// requests), so an odd URL could pass one and mean something else to the other
/// (`http://h:` was refused by the first and sent to port 80 by the second); and the
/// OTLP client parsed its endpoint again for every batch.
public struct HTTPEndpoint: Sendable, Equatable {
    /// The URL as configured.
    public let url: String
    /// The `URL` URLSession sends to, for an `https://` endpoint; nil for plain
    /// `http://`.
    public let secureURL: URL?
    /// The host to connect to: a name, an IPv4 or an IPv6 address (no brackets, its zone
    /// id plain).
    public let host: String
    /// The port: the URL's, else 80 (http) or 443 (https).
    public let port: Int
    /// The `Host` field: the host (IPv6 in brackets) and the port when not the scheme's.
    public let hostField: String
    /// The path and query as sent (`/v1/traces?k=v`); the fragment is never sent.
    public let requestTarget: String
    /// `Basic …` from user information in the URL (`http://user:pass@host/`), as curl
    /// sends it.
    public let basicAuthorization: String?

    /// Whether requests go as plain HTTP (not through URLSession).
    public var isPlainHTTP: Bool { secureURL == nil }

    /// `url` parsed; nil unless it is an `http://` or `https://` URL (the scheme in any
    /// case) with a host and, if it names a port, one from 1 to 65535.
    public init?(_ url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https",
              var host = components.percentEncodedHost, !host.isEmpty,
              !Self.hasEmptyOrBadPort(url) else { return nil }
        let defaultPort = scheme == "http" ? 80 : 443
        let port = components.port ?? defaultPort
        guard (1...65535).contains(port) else { return nil }
        if scheme == "https" {
            guard let secure = URL(string: url) else { return nil }
            secureURL = secure
        } else {
            secureURL = nil
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.url = url
        // An IPv6 zone id comes percent-encoded in a URL (`[fe80::1%25eth0]`, RFC 6874);
        // the resolver takes it plain (`fe80::1%eth0`).
        self.host = host.contains(":") ? host.removingPercentEncoding ?? host : host
        self.port = port
        let bracketed = host.contains(":") ? "[\(host)]" : host
        hostField = port == defaultPort ? bracketed : "\(bracketed):\(port)"
        let path = components.percentEncodedPath
        requestTarget = (path.isEmpty ? "/" : path) + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        if let user = components.user {
            let credentials = user + ":" + (components.password ?? "")
            basicAuthorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        } else {
            basicAuthorization = nil
        }
    }

    /// Whether a connection made for `other` can carry a request for this endpoint.
    public func sharesConnection(with other: HTTPEndpoint) -> Bool { host == other.host && port == other.port }

    /// Whether the authority of `url` ends in a `:` with no digits, or digits that do not
    /// fit a port, which `URLComponents` takes as no port at all (and the request would
    /// go to the scheme's).
    private static func hasEmptyOrBadPort(_ url: String) -> Bool {
        let afterScheme = url.range(of: "://").map(\.upperBound) ?? url.startIndex
        let authority = url[afterScheme...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority[(authority.lastIndex(of: "@").map { authority.index(after: $0) }
            ?? authority.startIndex)...]
        guard let colon = hostAndPort.lastIndex(of: ":"), !hostAndPort[colon...].contains("]") else { return false }
        guard let port = Int(hostAndPort[hostAndPort.index(after: colon)...]) else { return true }
        return !(1...65535).contains(port)
    }
}
