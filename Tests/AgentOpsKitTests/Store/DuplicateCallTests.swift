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

    @Test("the fold remembers a bounded window of call ids: a copy within it counts once, the memory stays flat")
    func boundedWindow() {
        var seen = RecentCallIDs(capacity: 4)
        let ids = (0..<6).map { ProxyEventID.make(responseID: "chatcmpl-\($0)") }
        var firstTime: [Bool] = []
        for id in ids { firstTime.append(seen.insert(id)) }
        #expect(firstTime == Array(repeating: true, count: 6))
        #expect(seen.count == 4)
        // The last four are remembered, packed or not; the first two were let go.
        let answers = [seen.insert(ids[5]), seen.insert(ids[2]), seen.insert(ids[0]),
                       seen.insert("not-a-uuid"), seen.insert("not-a-uuid"),
                       seen.insert("0000000A-0000-4000-8000-000000000000"),
                       seen.insert("0000000A-0000-4000-8000-000000000000")]
        #expect(answers == [false, false, true, true, false, true, false])
        #expect(seen.count == 4)
    }

    @Test("a session of more LLM calls than the window counts each call, and its duplicates once")
    func manyCalls() {
        var summary = SessionSummary(session: Session(id: Self.session, initTimestamp: .now(), tags: [],
                                                      hostEnv: .null, command: []))
        let calls = RecentCallIDs.defaultCapacity + 1000
        for index in 0..<calls {
            let id = ProxyEventID.make(responseID: "chatcmpl-\(index)")
            summary.apply(Self.call(id))
            // The same call again a few calls later, as the SDK's telemetry sends it.
            if index >= 3 { summary.apply(Self.call(ProxyEventID.make(responseID: "chatcmpl-\(index - 3)"))) }
        }
        #expect(summary.count(.llms) == calls)
        #expect(summary.llmCallIDs.count == RecentCallIDs.defaultCapacity)
    }
}
