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
        // One `URL` parse: agentops-run checks its endpoints at every start.
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https",
              let host = parsed.host(percentEncoded: true), !host.isEmpty else { return nil }
        let defaultPort = scheme == "http" ? 80 : 443
        let port: Int
        if let given = parsed.port {
            port = given
        } else {
            // `URL` reads an empty port, or one too long for an `Int`, as none: the
            // request would go to the scheme's.
            guard !Self.namesPort(url) else { return nil }
            port = defaultPort
        }
        guard (1...65535).contains(port) else { return nil }
        self.url = url
        secureURL = scheme == "https" ? parsed : nil
        // An IPv6 zone id comes percent-encoded in a URL (`[fe80::1%25eth0]`, RFC 6874);
        // the resolver takes it plain (`fe80::1%eth0`).
        let isIPv6 = host.utf8.contains(UInt8(ascii: ":"))
        self.host = isIPv6 ? host.removingPercentEncoding ?? host : host
        self.port = port
        let bracketed = isIPv6 ? "[\(host)]" : host
        hostField = port == defaultPort ? bracketed : "\(bracketed):\(port)"
        let path = parsed.path(percentEncoded: true)
        requestTarget = (path.isEmpty ? "/" : path) + (parsed.query(percentEncoded: true).map { "?" + $0 } ?? "")
        if let user = parsed.user(percentEncoded: false) {
            let credentials = user + ":" + (parsed.password(percentEncoded: false) ?? "")
            basicAuthorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        } else {
            basicAuthorization = nil
        }
    }

    /// Whether a connection made for `other` can carry a request for this endpoint.
    public func sharesConnection(with other: HTTPEndpoint) -> Bool { host == other.host && port == other.port }

    /// Whether the authority of `url` has a `:` after its host (outside an IPv6
    /// literal's brackets): a port, given even when `URL` read none. Bytes scanned, as
    /// `range(of:)` costs as much as the whole parse.
    private static func namesPort(_ url: String) -> Bool {
        let bytes = Array(url.utf8)
        var index = 0
        // Past `scheme://`.
        while index + 2 < bytes.count,
              !(bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/")
                && bytes[index + 2] == UInt8(ascii: "/")) { index += 1 }
        index += 3
        var colon = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"): return colon
            // User information ends here: a `:` before it was its password's.
            case UInt8(ascii: "@"): colon = false
            case UInt8(ascii: "]"): colon = false
            case UInt8(ascii: ":"): colon = true
            default: break
            }
            index += 1
        }
        return colon
    }
}
