import Foundation

/// Appending an API path to a base URL from the environment (`AGENTOPS_API_ENDPOINT`,
/// `OTEL_EXPORTER_OTLP_ENDPOINT`), keeping its query.
///
/// The paths used to be appended to the whole string, so a base with a query or a
/// fragment (`https://proxy.example/agentops?team=a`) sent `/v2/create_session` inside
/// the query, to the proxy's root, and the answer made no sense ("answered without a
/// jwt", issue 18's hostile pass). The path now goes at the end of the base's path,
/// before its `?query` and `#fragment`, which stay as they are: a query often carries a
/// proxy's routing or key; a fragment is never sent, as with curl.
public enum EndpointURL {
    /// `base` with `path` (starting with "/") at the end of its path, its slashes
    /// trimmed there: `https://h/p/?k=v` and `/v2/x` give `https://h/p/v2/x?k=v`.
    public static func join(_ base: String, _ path: String) -> String {
        let (head, tail) = split(base)
        return String(trimmingSlashes(head)) + path + tail
    }

    /// `base` without the slashes that end its path (its query and fragment kept), so
    /// that the paths appended later do not double them.
    public static func trimmed(_ base: String) -> String {
        let (head, tail) = split(base)
        return String(trimmingSlashes(head) + tail)
    }

    /// Whether `url` is one an exporter can send to: http or https, a host, and a port
    /// (if given) from 1 to 65535, as `HTTPEndpoint`, the one parser requests go by,
    /// reads it. Checked once, when the configuration is read, so that no request meets
    /// a URL that does not parse or a port no socket has (which URLSession answered with
    /// "network error -1000", found by a hostile pass).
    public static func isHTTP(_ url: String) -> Bool { HTTPEndpoint(url) != nil }

    /// The scheme, authority and path; then the `?query#fragment`, if any. The first
    /// `?` or `#` after the authority starts the tail (RFC 3986 §3).
    private static func split(_ url: String) -> (head: Substring, tail: Substring) {
        let afterScheme = url.range(of: "://").map(\.upperBound) ?? url.startIndex
        guard let start = url[afterScheme...].firstIndex(where: { $0 == "?" || $0 == "#" }) else {
            return (url[...], "")
        }
        return (url[..<start], url[start...])
    }

    private static func trimmingSlashes(_ head: Substring) -> Substring {
        var head = head
        while head.hasSuffix("/") { head.removeLast() }
        return head
    }
}
