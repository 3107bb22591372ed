import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Sessions exported to a real Arize Phoenix (`PhoenixBackend`) and read back through its
/// own APIs, as a user would find them there. One test, so Phoenix starts once.
@Suite("Exporting to Arize Phoenix", .serialized)
struct PhoenixExportTests {
    static let project = "agentops-e2e"

    /// An agent that records an LLM call and a tool call and succeeds.
    static let agent = """
        agentops event llm --model gpt-4o-mini --prompt-tokens 23 --completion-tokens 7 \
        --prompt 'What is 2+2?' --completion 'It is 4.'
        agentops event tool --name calculator --params '{"expression": "2+2"}' --returns '{"value": 4}'
        echo 'the answer is 4'
        """
    /// One that records an LLM call and an error, then fails.
    static let failing = """
        agentops event llm --model gpt-4o-mini --prompt-tokens 5 --completion-tokens 2
        agentops event error --type ValueError --details 'no such file'
        echo 'giving up' >&2
        exit 1
        """

    static func environment(_ home: String, _ extra: [String: String] = [:]) -> [String: String] {
        Harness.environment(home: home, extra: [
            "PATH": Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/bin"),
        ].merging(extra) { $1 })
    }

    /// The session id of `agentops export last`, and the trace id it must have.
    static func lastSession(_ home: String) throws -> (id: String, trace: String) {
        let id = try #require(try Harness.export(home: home)["session"]?["id"]?.stringValue)
        return (id, id.filter { $0 != "-" })
    }

    static func double(_ value: JSONValue?) -> Double? {
        if case let .number(text)? = value { return Double(text) }
        return nil
    }

    @Test("sessions exported live and by sync are one Phoenix trace each: session root, LLM span Phoenix prices, tool, errors",
          .enabled(if: PhoenixBackend.available,
                   "needs arize-phoenix==\(PhoenixBackend.version) in .build/venvs (no package registry reachable)"))
    func exportsToPhoenix() throws {
        let phoenix = try PhoenixBackend()
        let home = Harness.temporaryFolder()

        // Live: agentops-run exports when the session ends; the project comes from the header.
        let live = phoenix.run(Harness.agentopsRun, ["--strict", "sh", "-c", Self.agent], environment: Self.environment(
            home, ["OTEL_EXPORTER_OTLP_ENDPOINT": phoenix.url, "OTEL_SERVICE_NAME": "phoenix-e2e",
                   "OTEL_EXPORTER_OTLP_HEADERS": "x-project-name=\(Self.project)"]), timeout: 60)
        #expect(live.code == 0, "--strict exits 75 when the export fails: \(live.err)")
        let first = try Self.lastSession(home)

        // Later: a failed session recorded locally, exported by `agentops sync`; the project
        // comes from the resource attribute.
        let failed = Harness.run(Harness.agentopsRun, ["sh", "-c", Self.failing], environment: Self.environment(home))
        #expect(failed.code == 1, "\(failed.err)")
        let second = try Self.lastSession(home)
        let sync = phoenix.run(Harness.agentops, ["sync"], environment: Self.environment(home, [
            "OTEL_EXPORTER_OTLP_ENDPOINT": phoenix.url,
            "OTEL_RESOURCE_ATTRIBUTES": "openinference.project.name=\(Self.project)",
        ]))
        #expect(sync.code == 0, "\(sync.err)")
        #expect(sync.err.contains("exported 3 spans of 1 session to OTLP"), "\(sync.err)")

        // The successful session: a root AGENT span with status OK, its LLM call and tool under it.
        let spans = try phoenix.spans(project: Self.project, trace: first.trace, count: 3)
        #expect(spans.count == 3, "\(spans)")
        #expect(spans.allSatisfy { $0["context"]?["trace_id"]?.stringValue == first.trace })
        let root = try #require(spans.first { $0["parent_id"] == .null }, "no root span: \(spans)")
        let rootID = try #require(root["context"]?["span_id"]?.stringValue)
        #expect(rootID == String(first.trace.suffix(16)))
        #expect(root["status_code"] == .string("OK"))
        #expect(root["span_kind"] == .string("AGENT"))
        #expect(root["attributes"]?["agentops.session.id"]?.stringValue == first.id)
        #expect(root["events"]?.arrayValue?.map { $0["attributes"]?["logs"] } == [.string("the answer is 4")])

        let llm = try #require(spans.first { $0["span_kind"] == .string("LLM") }, "no LLM span: \(spans)")
        #expect(llm["name"] == .string("chat gpt-4o-mini"))
        #expect(llm["parent_id"]?.stringValue == rootID)
        let attributes = try #require(llm["attributes"])
        #expect(attributes["llm.model_name"] == .string("gpt-4o-mini"))
        #expect(attributes["llm.token_count.prompt"]?.intValue == 23)
        #expect(attributes["llm.token_count.completion"]?.intValue == 7)
        #expect(attributes["llm.token_count.total"]?.intValue == 30)
        #expect(attributes["llm.input_messages.0.message.content"] == .string("What is 2+2?"))
        #expect(attributes["llm.output_messages.0.message.content"] == .string("It is 4."))
        #expect(attributes["output.value"] == .string("It is 4."), "else Phoenix shows {\"model\": …} as the output")

        // Phoenix prices the call itself, from the model name and the token counts.
        let ours = try #require(Self.double(attributes["gen_ai.usage.total_cost"]))
        let llmID = try #require(llm["id"]?.stringValue)
        var cost: JSONValue = .null
        let deadline = Date().addingTimeInterval(20)
        repeat {
            cost = try phoenix.graphQL("""
                query ($id: ID!) { node(id: $id) { ... on Span { spanKind
                  costSummary { prompt { tokens cost } completion { tokens cost } total { tokens cost } } } } }
                """, variables: .object([("id", .string(llmID))]))["node"]?["costSummary"] ?? .null
            if cost != .null { break }
            usleep(200_000)
        } while Date() < deadline
        let total = try #require(Self.double(cost["total"]?["cost"]), "Phoenix has no cost for the LLM span: \(cost)")
        #expect(total > 0)
        #expect(abs(total - ours) <= ours * 1e-6, "Phoenix's \(total) and ours \(ours) (both LiteLLM's prices)")
        #expect(Self.double(cost["prompt"]?["tokens"]) == 23)
        #expect(Self.double(cost["completion"]?["tokens"]) == 7)

        let tool = try #require(spans.first { $0["span_kind"] == .string("TOOL") }, "no tool span: \(spans)")
        #expect(tool["name"] == .string("calculator.tool"))
        #expect(tool["parent_id"]?.stringValue == rootID)
        #expect(tool["attributes"]?["tool.name"] == .string("calculator"))

        // The failed session: root status ERROR with the reason, the error as an ERROR span.
        let failedSpans = try phoenix.spans(project: Self.project, trace: second.trace, count: 3)
        #expect(failedSpans.count == 3, "\(failedSpans)")
        let failedRoot = try #require(failedSpans.first { $0["parent_id"] == .null })
        #expect(failedRoot["status_code"] == .string("ERROR"))
        #expect(failedRoot["status_message"] == .string("Fail: Command exited with code 1"))
        #expect(failedRoot["events"]?.arrayValue?.map { $0["name"] } == [.string("stderr")], "stderr is not an error")
        let error = try #require(failedSpans.first { $0["name"] == .string("error ValueError") })
        #expect(error["status_code"] == .string("ERROR"))
        #expect(error["status_message"] == .string("ValueError: no such file"))
        #expect(error["events"]?.arrayValue?.first?["attributes"]?["exception.message"] == .string("no such file"))

        // Exported again (a file export posted by hand): Phoenix keeps one copy.
        let file = home + "/trace.pb"
        let exported = Harness.run(Harness.agentops, ["export", first.id, "--format", "otlp"],
                                   environment: Self.environment(home))
        try #require(exported.code == 0, "\(exported.err)")
        _ = FileManager.default.createFile(atPath: file, contents: Data(exported.stdout))
        #expect(try phoenix.post(file: file, to: "/v1/traces", contentType: "application/x-protobuf",
                                 headers: ["x-project-name": Self.project]) == 200)
        usleep(1_500_000)
        let all = try phoenix.request("/v1/projects/\(Self.project)/spans?limit=1000").body["data"]?.arrayValue ?? []
        #expect(all.count == 6, "one trace of 3 spans per session, nothing twice: \(all)")
        #expect(Set(all.compactMap { $0["context"]?["trace_id"]?.stringValue }) == [first.trace, second.trace])

        // Phoenix takes protobuf only: OTLP/JSON gets a 415, and agentops-run says why.
        let json = phoenix.run(Harness.agentopsRun, ["--strict", "sh", "-c", "exit 0"], environment: Self.environment(
            home, ["OTEL_EXPORTER_OTLP_ENDPOINT": phoenix.url, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"]))
        #expect(json.code == ExitCodes.telemetry, "\(json.err)")
        #expect(json.err.contains("HTTP 415: Unsupported content type: application/json"), "\(json.err)")
    }
}
