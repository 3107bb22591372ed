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
}
