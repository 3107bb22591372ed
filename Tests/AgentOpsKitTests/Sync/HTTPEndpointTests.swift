import Testing
import AgentOpsKit
@testable import AgentOpsSync

/// Odd endpoint URLs, read by the settings (`EndpointURL.isHTTP`, the OTLP and API
/// configurations) and by the requests (`BlockingExchange`, `PlainHTTPClient`): one
/// parser (`HTTPEndpoint`) decides for both, so they cannot disagree.
@Suite("Endpoint URLs: one parser for the settings and the requests")
struct HTTPEndpointTests {
    /// What a request to an endpoint does; nil: refused when the settings are read.
    struct Expected: Sendable {
        var plain: Bool
        var host: String
        var port: Int
        var hostField: String
        var requestTarget: String
        var authorization: String? = nil
    }

    static let cases: [(url: String, expected: Expected?)] = [
        ("HTTP://127.0.0.1:4318/v1/traces",
         Expected(plain: true, host: "127.0.0.1", port: 4318, hostField: "127.0.0.1:4318",
                  requestTarget: "/v1/traces")),
        ("HtTpS://Collector.Example/v1/traces",
         Expected(plain: false, host: "Collector.Example", port: 443, hostField: "Collector.Example",
                  requestTarget: "/v1/traces")),
        // RFC 6874: the zone id's `%` is `%25` in a URL; plain for the resolver.
        ("http://[fe80::1%25eth0]:4318",
         Expected(plain: true, host: "fe80::1%eth0", port: 4318, hostField: "[fe80::1%25eth0]:4318",
                  requestTarget: "/")),
        ("http://[::1]/v1/traces?team=a#fragment",
         Expected(plain: true, host: "::1", port: 80, hostField: "[::1]", requestTarget: "/v1/traces?team=a")),
        ("http://me:secret@collector:8080/v1/traces",
         Expected(plain: true, host: "collector", port: 8080, hostField: "collector:8080", requestTarget: "/v1/traces",
                  authorization: "Basic bWU6c2VjcmV0")),
        ("http://collector",
         Expected(plain: true, host: "collector", port: 80, hostField: "collector", requestTarget: "/")),
        ("http://collector:4318/v1/traces/",
         Expected(plain: true, host: "collector", port: 4318, hostField: "collector:4318",
                  requestTarget: "/v1/traces/")),
        // An empty port, or one too long for an `Int`, reads as no port to
        // `URLComponents`: refused, not sent to port 80.
        ("http://collector:", nil),
        ("http://me@collector:/v1/traces", nil),
        ("http://collector:99999999999999999999/v1/traces", nil),
        ("https://collector:0/", nil),
        ("http://[fe80::1%25eth0]:65536", nil),
        ("ftp://collector/", nil),
        ("http:///v1/traces", nil),
    ]

    @Test("the settings accept an endpoint if and only if requests can go there, and go where it says",
          arguments: 0..<cases.count)
    func agree(index: Int) throws {
        let (url, expected) = Self.cases[index]
        #expect(EndpointURL.isHTTP(url) == (expected != nil), "\(url)")
        let otlp = Result { () throws(OTLPConfiguration.Problem) in
            try OTLPConfiguration(environment: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": url])
        }
        guard let expected else {
            guard case .failure(.invalidValue) = otlp else {
                Issue.record("\(url): the OTLP settings took it: \(otlp)")
                return
            }
            return
        }
        let configuration = try otlp.get()
        // Parsed once, with the settings; the requests use that.
        let endpoint = try #require(configuration.parsedEndpoint, "\(url)")
        #expect(endpoint == HTTPEndpoint(url))
        #expect(endpoint.isPlainHTTP == expected.plain, "\(url)")
        #expect(endpoint.host == expected.host && endpoint.port == expected.port, "\(url)")
        #expect(endpoint.basicAuthorization == expected.authorization, "\(url)")
        if expected.plain {
            let request = BlockingExchange.Request(method: "POST", endpoint: endpoint)
            let head = String(decoding: PlainHTTPClient.head(request, bodyCount: 0), as: UTF8.self)
            var expectedHead = "POST \(expected.requestTarget) HTTP/1.1\r\nHost: \(expected.hostField)\r\n"
                + "Content-Length: 0\r\n"
            if let authorization = expected.authorization { expectedHead += "Authorization: \(authorization)\r\n" }
            #expect(head == expectedHead + "Accept: */*\r\n\r\n", "\(url)")
        } else {
            #expect(endpoint.secureURL?.host == expected.host, "\(url)")
        }
    }

    @Test("the API's endpoint, its paths appended, is read by the same parser")
    func apiEndpoint() {
        let key = "11111111-1111-4111-8111-111111111111"
        for (url, expected) in Self.cases {
            let valid = (try? APIConfiguration(environment: ["AGENTOPS_API_KEY": key, "AGENTOPS_API_ENDPOINT": url]))
                != nil
            // A trailing slash is trimmed before the paths go on; the rest is as for OTLP.
            #expect(valid == (expected != nil), "\(url)")
        }
    }
}
