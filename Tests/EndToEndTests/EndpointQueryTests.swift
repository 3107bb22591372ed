import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Endpoint URLs with a query or a fragment: the API path goes at the end of the URL's
/// path, the query stays after it (`EndpointURL`). Before, the path was appended to the
/// whole string and ended up in the query, sent to the server's root.
@Suite("Endpoints with a query", .serialized)
struct EndpointQueryTests {
    @Test("AGENTOPS_API_ENDPOINT with a query and a fragment: the v2 upload reaches /v2/…, the query kept",
          arguments: ["/?team=a", "?team=a", "/?team=a#top", "#top"])
    func v2(suffix: String) throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps()
        let result = RemoteRunTests.wrap(["--strict", "--event-window", "0", "sh", "-c", "echo hi"], home: home,
                                         endpoint: server.endpoint + suffix)
        #expect(result.code == 0, "\(result.err)")
        #expect(!result.err.contains("warning"), "\(result.err)")
        let requests = server.requests()
        let query = suffix.contains("?") ? "team=a" : ""
        #expect(requests.first?["path"] == .string("/v2/create_session"), "\(requests)")
        #expect(requests.last?["path"] == .string("/v2/update_session"), "\(requests)")
        #expect(requests.allSatisfy { $0["query"] == .string(query) && $0["status"] == .int(200) }, "\(requests)")
    }

    @Test("AGENTOPS_RUN_EXPORT=otlp: /v3/auth/token under an endpoint with a query, then the traces")
    func cloud() throws {
        let home = Harness.temporaryFolder()
        let server = try AgentOpsCloudTests.cloud()
        var env = AgentOpsCloudTests.environment(home, cloud: server)
        env["AGENTOPS_API_ENDPOINT"] = server.endpoint + "/?team=a"
        let result = Harness.run(Harness.agentopsRun, ["--strict", "sh", "-c", "echo hi"], environment: env, timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        #expect(!result.err.contains("warning"), "\(result.err)")
        let requests = server.requests()
        #expect(requests.compactMap { $0["path"]?.stringValue } == ["/v3/auth/token", "/v1/traces"], "\(requests)")
        #expect(requests.first?["query"] == .string("team=a"))
    }

    @Test("OTEL_EXPORTER_OTLP_ENDPOINT with a query: the spans go to /v1/traces with the query")
    func collector() throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps(script: "fake_otlp.py")
        let env = OTLPExportTests.environment(home, endpoint: server.endpoint + "/otel/?tenant=t1")
        let result = Harness.run(Harness.agentopsRun, ["--strict", "sh", "-c", "echo hi"], environment: env, timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        let requests = server.requests()
        #expect(requests.map { $0["path"] } == [.string("/otel/v1/traces")], "\(requests)")
        #expect(requests.first?["query"] == .string("tenant=t1"))
        #expect(requests.first?["status"] == .int(200))
    }
}
