import Testing
@testable import AgentOpsKit

@Suite("Endpoint URLs")
struct EndpointURLTests {
    @Test("a path goes at the end of the base's path, before its query and fragment",
          arguments: [
              ("https://h", "https://h/v2/x"),
              ("https://h/", "https://h/v2/x"),
              ("https://h/p//", "https://h/p/v2/x"),
              ("https://h?k=v", "https://h/v2/x?k=v"),
              ("https://h/p/?k=v&a=/b", "https://h/p/v2/x?k=v&a=/b"),
              ("https://h/p#f", "https://h/p/v2/x#f"),
              ("https://h/p/?k=v#f?g", "https://h/p/v2/x?k=v#f?g"),
          ])
    func join(base: String, expected: String) {
        #expect(EndpointURL.join(base, "/v2/x") == expected)
    }

    @Test("the API configuration and the OTLP configuration keep the query")
    func configurations() throws {
        let key = "11111111-1111-4111-8111-111111111111"
        let api = try APIConfiguration(environment: ["AGENTOPS_API_KEY": key, "AGENTOPS_API_ENDPOINT": "http://h/a/?t=1"])
        #expect(api.endpoint == "http://h/a?t=1")
        let otlp = try OTLPConfiguration(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://h:4318/?t=1#x"])
        #expect(otlp.endpoint == "http://h:4318/v1/traces?t=1#x")
    }

    /// A port no socket has used to reach URLSession, which answered "network error
    /// -1000" on every run (hostile pass); it is now refused when the settings are read.
    @Test("an endpoint is an http(s) URL with a host and a port from 1 to 65535", arguments: [
        ("http://127.0.0.1:4318", true), ("https://h", true), ("http://[::1]:4318/p", true), ("http://[::1]/", true),
        ("http://u:p@h:8080/x", true), ("http://u:p@h/x", true), ("http://h:65535", true),
        ("http://127.0.0.1:99999", false), ("http://h:0", false), ("http://h:", false), ("http://h:x/", false),
        ("ftp://h", false), ("http://", false), ("h:80", false),
    ])
    func valid(url: String, valid: Bool) {
        #expect(EndpointURL.isHTTP(url) == valid)
    }

    @Test("a bad port in either endpoint variable is refused with one line, as a bad URL is")
    func badPort() {
        let key = "11111111-1111-4111-8111-111111111111"
        #expect(throws: APIConfiguration.Problem.self) {
            try APIConfiguration(environment: ["AGENTOPS_API_KEY": key, "AGENTOPS_API_ENDPOINT": "http://127.0.0.1:99999"])
        }
        #expect(throws: OTLPConfiguration.Problem.self) {
            try OTLPConfiguration(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:99999"])
        }
    }
}
