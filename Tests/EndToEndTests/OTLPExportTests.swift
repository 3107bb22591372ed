import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Sessions exported to an OpenTelemetry collector (`Fixtures/fake_otlp.py`): by
/// agentops-run in the background, by `agentops sync`, and to a file by `agentops export`.
@Suite("Exporting to OpenTelemetry", .serialized)
struct OTLPExportTests {
    static let script = "echo hello; echo oops >&2; agentops event llm --model gpt-4o-mini --prompt-tokens 10 "
        + "--completion-tokens 5; agentops event tool --name lookup --params '{\"q\": 1}'; exit 3"

    static func environment(_ home: String, endpoint: String) -> [String: String] {
        Harness.environment(home: home, extra: [
            "PATH": Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/bin"),
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_SERVICE_NAME": "e2e-agent",
        ])
    }

    /// The requests the collector accepted, decoded.
    static func accepted(_ server: FakeAgentOps) throws -> [OTLPTraceRequest] {
        try server.requests().filter { $0["status"] == .int(200) }.map { entry in
            let hex = Array(entry["body_hex"]?.stringValue ?? "")
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(hex[$0..<$0 + 2]), radix: 16)! }
            return try OTLPTraceRequest(protobuf: bytes)
        }
    }

    @Test("a run exports its session as one trace through a 503 with Retry-After: nothing lost or duplicated")
    func runRetriesThrough503() throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps(mode: "unavailable-once", script: "fake_otlp.py")
        let env = Self.environment(home, endpoint: server.endpoint)
        let result = Harness.run(Harness.agentopsRun, ["--strict", "sh", "-c", Self.script], environment: env,
                                 timeout: 60)
        #expect(result.code == 3, "\(result.err)")
        let requests = server.requests()
        #expect(requests.map { $0["status"] } == [.int(503), .int(200)], "\(requests)")
        #expect(requests.first?["body_hex"] == requests.last?["body_hex"], "the same batch, sent again")
        #expect(requests.first?["path"] == .string("/v1/traces"))
        #expect(requests.first?["headers"]?["content-type"] == .string("application/x-protobuf"))

        let spans = try Self.accepted(server).flatMap { $0.resourceSpans.flatMap { $0.scopeSpans.flatMap(\.spans) } }
        let id = try #require((try Harness.export(home: home))["session"]?["id"]?.stringValue.flatMap(SessionID.init))
        #expect(spans.count == 3)
        #expect(Set(spans.map(\.spanID)).count == spans.count)
        #expect(spans.allSatisfy { $0.traceID.hex == id.value.filter { $0 != "-" } })
        let root = try #require(spans.first { $0.parentSpanID == nil })
        #expect(root.status.code == OTLPStatus.Code.error)
        #expect(root.events.map(\.name).sorted() == ["stderr", "stdout"], "two pipes: either may be read first")
        #expect(root.int("process.exit.code") == 3)
        #expect(spans.contains { $0.name == "chat gpt-4o-mini" && ($0.double("gen_ai.usage.total_cost") ?? 0) > 0 })
        #expect(spans.contains { $0.name == "lookup.tool" })
        #expect(try Self.accepted(server).first?.resourceSpans.first?.resource.attributes.string("service.name")
            == "e2e-agent")
        #expect(ExportCursor.isAcknowledged(id, store: LocalStore(environment: env), exporter: "otlp"))

        // Nothing left: sync sends nothing more.
        let again = Harness.run(Harness.agentops, ["sync"], environment: env)
        #expect(again.code == 0, "\(again.err)")
        #expect(server.requests().count == 2)
    }

    @Test("a 400 stops without retrying and says why; sync exports the session later")
    func badRequestIsNotRetried() throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps(mode: "bad-request", script: "fake_otlp.py")
        let env = Self.environment(home, endpoint: server.endpoint)
        let result = Harness.run(Harness.agentopsRun, ["--strict", "sh", "-c", "exit 0"], environment: env)
        #expect(result.code == ExitCodes.telemetry, "\(result.err)")
        #expect(result.err.contains("HTTP 400: invalid span: trace id is zero"), "\(result.err)")
        #expect(server.requests().count == 1)

        let healthy = try FakeAgentOps(script: "fake_otlp.py")
        let sync = Harness.run(Harness.agentops, ["sync"], environment: Self.environment(home, endpoint: healthy.endpoint))
        #expect(sync.code == 0, "\(sync.err)")
        #expect(sync.err.contains("exported 1 spans of 1 session to OTLP"), "\(sync.err)")
        #expect(try Self.accepted(healthy).map(\.spanCount) == [1])
    }

    @Test("export --format otlp writes one protobuf request, otlp-json one request per line")
    func exportToFile() throws {
        let home = Harness.temporaryFolder()
        let env = Harness.environment(home: home, extra: [
            "PATH": Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/bin"),
        ])
        _ = Harness.run(Harness.agentopsRun, ["-q", "sh", "-c", Self.script], environment: env)
        let binary = Harness.run(Harness.agentops, ["export", "last", "--format", "otlp"], environment: env)
        #expect(binary.code == 0, "\(binary.err)")
        let request = try OTLPTraceRequest(protobuf: binary.stdout)
        #expect(request.spanCount == 3)
        let json = Harness.run(Harness.agentops, ["export", "last", "--format", "otlp-json"], environment: env)
        let lines = json.out.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(try OTLPTraceRequest(json: Array(lines[0].utf8)) == request)
    }
}
