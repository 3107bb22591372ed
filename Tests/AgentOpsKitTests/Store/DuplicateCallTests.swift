import Testing
@testable import AgentOpsKit

/// One LLM call seen by the LLM proxy and by the SDK's telemetry is one call.
@Suite("An LLM call recorded twice")
struct DuplicateCallTests {
    static let session = SessionID("00000000-0000-4000-8000-000000000003")!

    static func call(_ id: String) -> StoreRecord {
        .event(Event(id: id, type: .llms, initTimestamp: .now(), endTimestamp: .now(), sessionID: session, fields: [
            ("model", .string("gpt-4o")), ("prompt_tokens", .int(1000)), ("completion_tokens", .int(10)),
            ("cost", .null),
        ]))
    }

    @Test("the fold counts a call id once, with its tokens once")
    func foldedOnce() {
        var summary = SessionSummary(session: Session(id: Self.session, initTimestamp: .now(), tags: [],
                                                      hostEnv: .null, command: []))
        let id = ProxyEventID.make(responseID: "chatcmpl-123")
        for record in [Self.call(id), Self.call(id), Self.call(ProxyEventID.make(responseID: "chatcmpl-456"))] {
            summary.apply(record)
        }
        #expect(summary.count(.llms) == 2)
        #expect(summary.promptTokens == 2000)
    }

    @Test("the proxy's event id is a function of the response id alone")
    func sameID() {
        #expect(ProxyEventID.make(responseID: "chatcmpl-123") == ProxyEventID.make(responseID: "chatcmpl-123"))
        #expect(ProxyEventID.make(responseID: "chatcmpl-123") != ProxyEventID.make(responseID: "chatcmpl-124"))
    }
}
