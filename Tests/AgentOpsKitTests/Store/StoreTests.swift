import Foundation
import Glibc
import Testing
import TestSupport
@testable import AgentOpsKit

@Suite("Local store")
struct StoreTests {
    static func folder() -> String {
        ScratchFolder.make("agentops-unit")
    }

    @Test("records round-trip through a session file and fold into a summary")
    func roundTrip() throws {
        let store = LocalStore(home: Self.folder())
        let id = SessionID.random()
        let start = Timestamp(microseconds: 1_000_000)
        let session = Session(id: id, initTimestamp: start, tags: ["a"], hostEnv: .object([("OS", .object([]))]),
                              command: ["echo", "hi"])
        let llm = Event(type: .llms, initTimestamp: start, endTimestamp: start, sessionID: id, fields: [
            ("model", .string("gpt-4o")), ("prompt_tokens", .int(10)), ("completion_tokens", .int(5)),
            ("cost", .number("0.0012345678")),
        ])
        let records: [StoreRecord] = [
            .start(session),
            .event(.stdout("hi", from: start, to: start, session: id)),
            .event(.stderr("bad", from: start, to: start, session: id)),
            .event(llm),
            .tags(["a", "b"]),
            .end(.init(timestamp: Timestamp(microseconds: 2_500_000), state: .fail, reason: "r", exitCode: 3)),
        ]
        try store.open(id).append(records)
        var read: [StoreRecord] = []
        let problems = try SessionLog.read(path: store.path(of: id)) { read.append($0) }
        #expect(problems.isEmpty)
        #expect(read == records)

        let summary = try SessionLog.summary(path: store.path(of: id))
        #expect(summary.session.tags == ["a", "b"])
        #expect(summary.session.endState == .fail)
        #expect(summary.count(.actions) == 1 && summary.count(.errors) == 1 && summary.count(.llms) == 1)
        #expect(summary.promptTokens == 10 && summary.completionTokens == 5)
        let prices = PriceTable(only: [:])
        #expect(StatsLine.format(summary, cost: summary.cost(prices))
            == "Session Stats - Duration: 1.5s | Cost: $0.001235 | LLMs: 1 | Tools: 0 | Actions: 1 | Errors: 1")
        #expect(SessionExport.stats(summary, prices: prices)["cost"] == .number("0.0012345678"))
    }

    @Test("concurrent writers from many threads never interleave lines")
    func concurrentAppends() throws {
        let store = LocalStore(home: Self.folder())
        let id = SessionID.random()
        let start = Timestamp.now()
        try store.open(id).append(.start(Session(id: id, initTimestamp: start, tags: [], hostEnv: .null, command: [])))
        let big = String(repeating: "y", count: 20_000)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            guard let file = try? store.open(id) else { return }
            for index in 0..<50 {
                try? file.append(.event(.stdout("\(worker)-\(index)-" + big, from: start, to: start, session: id)))
            }
        }
        let summary = try SessionLog.summary(path: store.path(of: id))
        #expect(summary.problems.isEmpty)
        #expect(summary.count(.actions) == 400)
    }

    @Test("resolve: full id, prefix, last, unknown, ambiguous")
    func resolve() throws {
        let store = LocalStore(home: Self.folder())
        #expect(throws: StoreError.self) { try store.resolve("last") }
        let ids = ["abc00000-0000-4000-8000-000000000000", "abd00000-0000-4000-8000-000000000000"]
            .compactMap(SessionID.init)
        for (index, id) in ids.enumerated() {
            try store.open(id).append(.start(Session(id: id, initTimestamp: Timestamp(microseconds: Int64(index)),
                                                     tags: [], hostEnv: .null, command: [])))
        }
        #expect(try store.resolve("abc") == ids[0])
        #expect(try store.resolve("ABD0") == ids[1])
        #expect(try store.resolve("last") == ids[1])
        #expect(throws: StoreError.ambiguousSessionPrefix(query: "ab", matches: ids.map(\.value))) {
            try store.resolve("ab")
        }
        #expect(throws: StoreError.sessionNotFound(query: "ff", home: store.home)) { try store.resolve("ff") }
    }
}
