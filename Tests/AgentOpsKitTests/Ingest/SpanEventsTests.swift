import Foundation
import Testing
@testable import AgentOpsKit

/// The span → event mapping on the requests captured from the real SDKs (agentops 0.4.21,
/// its OpenAI instrumentation, a plain OTel SDK agent).
@Suite("OpenTelemetry spans into session events")
struct SpanEventsTests {
    static let session = SessionID("6f9619ff-8b86-4d01-b42d-00c04fc964ff")!

    /// Every request of one captured scenario, ingested in order.
    static func ingest(_ file: String) throws -> SpanIngest {
        let document = try JSONParser.parse(try OTLPFixtures.bytes(file))
        var total = SpanIngest()
        for entry in document.arrayValue ?? [] {
            let request = try OTLPTraceRequest(jsonValue: try #require(entry["request"]))
            let one = SpanEvents.ingest(request, session: session, arrival: Timestamp(microseconds: 1))
            total.events += one.events
            total.declarations += one.declarations
            total.tags = Tags.normalized(total.tags + one.tags)
            total.rejectedSpans += one.rejectedSpans
        }
        return total
    }

    static func rows(_ ingest: SpanIngest, _ type: EventType) -> [JSONValue] {
        ingest.events.filter { $0.type == type }.map(\.json)
    }

    @Test("the agentops OpenAI span is an LLM call: response model, old token names, messages")
    func openAI() throws {
        let result = try Self.ingest("openai.otlp.json")
        let llms = Self.rows(result, .llms)
        try #require(llms.count == 2)
        let llm = llms[0]
        #expect(llm["model"] == .string("gpt-4o-mini-2024-07-18"))
        #expect(llm["prompt_tokens"]?.intValue == 23 && llm["completion_tokens"]?.intValue == 7)
        #expect(llm["cost"] == .null)
        #expect(llm["prompt"]?["messages"]?.arrayValue?.count == 2)
        #expect(llm["prompt"]?["messages"]?.arrayValue?[1]["content"] == .string("What is the capital of France?"))
        #expect(llm["completion"]?["content"] == .string("Paris is the capital of France."))
        #expect(llm["params"]?["temperature"] == .number("0.2") && llm["params"]?["max_tokens"] == .number("50"))
        #expect(llm["trace_id"] == .string("9357bf8cd3821a93cf2bdac509fc8c0e"))
        #expect(llm["span_id"] == .string("1c17648537215e60") && llm["parent_span_id"] == .string("e9e2dd4a248c8f6d"))
        #expect(llms[1]["returns"]?.stringValue?.contains("fail-model") == true)

        let tool = try #require(Self.rows(result, .tools).first)
        #expect(tool["name"] == .string("get_capital") && tool["returns"] == .string("Paris"))
        #expect(tool["params"]?["args"] == .array([.string("France")]))
        let actions = Self.rows(result, .actions)
        #expect(actions.contains { $0["action_type"] == .string("agent") && $0["logs"] == .string("GeoAgent") })
        #expect(actions.contains { $0["action_type"] == .string("trace") && $0["logs"] == .string("capture-llm")
            && $0["returns"] == .string("Success") })
        let error = try #require(Self.rows(result, .errors).first)
        #expect(error["error_type"] == .string("openai.NotFoundError"))
        #expect(error["trigger_event_type"] == .string("llms") && error["trigger_event_id"] == llms[1]["id"])
        #expect(result.tags == ["llm"])
        #expect(result.declarations.map(\.state) == [.success])
    }

    @Test("decorators: end states as declared (enums and Shutdown declare nothing), one error per failure")
    func decorators() throws {
        let result = try Self.ingest("decorators.otlp.json")
        #expect(result.declarations.map(\.state) == [.success, .fail, .indeterminate])
        let errors = Self.rows(result, .errors)
        try #require(errors.count == 1)
        #expect(errors[0]["error_type"] == .string("ZeroDivisionError"))
        #expect(errors[0]["details"] == .string("division by zero"))
        #expect(errors[0]["logs"]?.stringValue?.contains("Traceback") == true)
        let tools = Self.rows(result, .tools)
        #expect(tools.filter { $0["name"] == .string("search") }.allSatisfy { $0["cost"] == .number("0.25") })
        #expect(Self.rows(result, .actions).contains { $0["action_type"] == .string("task")
            && $0["logs"] == .string("plan_step") })
        #expect(Set(result.tags) == ["capture", "ok"])
        #expect(Self.rows(result, .actions).filter { $0["action_type"] == .string("trace") }.count == 5)
    }

    @Test("the legacy end_session reason and an atexit Shutdown")
    func legacyAndShutdown() throws {
        let autostart = try Self.ingest("autostart.otlp.json")
        #expect(autostart.declarations == [StoreRecord.DeclaredEnd(
            timestamp: autostart.declarations.first?.timestamp ?? .now(), state: .success, reason: "all done")])
        let crash = try Self.ingest("autostart_crash.otlp.json")
        #expect(crash.declarations.isEmpty)
    }

    @Test("a generic OTel agent: GenAI semconv names, execute_tool, invoke_agent, a status error")
    func genericAgent() throws {
        let result = try Self.ingest("generic_otel.otlp.json")
        let llm = try #require(Self.rows(result, .llms).first)
        #expect(llm["model"] == .string("gpt-4o-mini-2024-07-18"))
        #expect(llm["prompt_tokens"]?.intValue == 12 && llm["completion_tokens"]?.intValue == 5)
        let tool = try #require(Self.rows(result, .tools).first)
        #expect(tool["name"] == .string("get_weather"))
        let error = try #require(Self.rows(result, .errors).first)
        #expect(error["error_type"] == .string("TimeoutError") && error["details"] == .string("weather api timed out"))
        #expect(Self.rows(result, .actions).contains { $0["action_type"] == .string("invoke_agent")
            && $0["logs"] == .string("planner") })
        // The root's status is UNSET: it declares nothing.
        #expect(result.declarations.isEmpty)
    }

    @Test("ids are deterministic: the same span always gives the same event id, a valid UUID")
    func deterministicIDs() throws {
        let first = try Self.ingest("openai.otlp.json"), second = try Self.ingest("openai.otlp.json")
        #expect(first.events.map(\.id) == second.events.map(\.id))
        #expect(Set(first.events.map(\.id)).count == first.events.count)
        for id in first.events.map(\.id) {
            let uuid = try #require(UUID(uuidString: id))
            #expect(uuid.uuidString.lowercased() == id)
            #expect(Array(id)[14] == "8")
        }
    }

    @Test("a root span with a status declares for a generic agent; spans without ids are refused")
    func rootStatusAndRejection() throws {
        let trace = SessionTrace(Self.session)
        var failing = OTLPSpan(traceID: trace.traceID, spanID: OTLPSpanID(7), parentSpanID: trace.rootSpanID,
                               name: "job", startTimeUnixNano: 2_000_000_000, endTimeUnixNano: 3_000_000_000)
        failing.status = OTLPStatus(code: OTLPStatus.Code.error, message: "it broke")
        let invalid = OTLPSpan(traceID: .zero, spanID: OTLPSpanID(9), name: "bad")
        let request = OTLPTraceRequest(resourceSpans: [OTLPResourceSpans(scopeSpans: [
            OTLPScopeSpans(spans: [failing, invalid]),
        ])])
        let result = SpanEvents.ingest(request, session: Self.session, arrival: .now())
        #expect(result.rejectedSpans == 1)
        #expect(result.declarations.map(\.state) == [.fail])
        #expect(result.declarations.first?.reason == "it broke")
        #expect(result.declarations.first?.timestamp == Timestamp(microseconds: 3_000_000))
        let error = try #require(result.events.first)
        #expect(error.type == .errors && error.json["details"] == .string("it broke"))
    }

    @Test("the session's trace: its id is the session id, the root span its last 8 bytes")
    func sessionTrace() {
        #expect(SessionTrace(Self.session).traceparent == "00-6f9619ff8b864d01b42d00c04fc964ff-b42d00c04fc964ff-01")
    }

    @Test("several declared ends fold to the worst; among equals the later reason")
    func worstDeclared() {
        var summary = SessionSummary(session: Session(id: Self.session, initTimestamp: .now(), tags: [],
                                                      hostEnv: .null, command: []))
        func declare(_ state: EndState, _ reason: String) {
            summary.apply(.declaredEnd(.init(timestamp: .now(), state: state, reason: reason)))
        }
        declare(.success, "a")
        declare(.fail, "b")
        declare(.success, "c")
        declare(.indeterminate, "d")
        #expect(summary.declared?.state == .fail && summary.declared?.reason == "b")
        declare(.fail, "e")
        #expect(summary.declared?.reason == "e")
    }
}
