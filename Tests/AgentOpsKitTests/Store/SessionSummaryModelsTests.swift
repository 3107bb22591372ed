import Foundation
import Testing
@testable import AgentOpsKit

@Suite("Per-model totals")
struct SessionSummaryModelsTests {
    static func llm(_ model: String, prompt: Int, completion: Int, cached: Int? = nil, cost: String? = nil) -> StoreRecord {
        let id = SessionID("12345678-0000-4000-8000-000000000000")!
        var fields: [(String, JSONValue)] = [("model", .string(model)), ("prompt_tokens", .int(prompt)),
                                             ("completion_tokens", .int(completion)),
                                             ("cost", cost.map { .number($0) } ?? .null)]
        if let cached { fields.append(("cached_tokens", .int(cached))) }
        return .event(Event(type: .llms, initTimestamp: Timestamp(microseconds: 0),
                            endTimestamp: Timestamp(microseconds: 0), sessionID: id, fields: fields))
    }

    @Test("every call counts per model, with its own cost or the table's price, sums held at Int.max")
    func models() {
        let id = SessionID("12345678-0000-4000-8000-000000000000")!
        var summary = SessionSummary(session: Session(id: id, initTimestamp: Timestamp(microseconds: 0), tags: [],
                                                      hostEnv: .null, command: []))
        summary.apply(Self.llm("gpt-4o", prompt: 1000, completion: 500))
        summary.apply(Self.llm("gpt-4o", prompt: 10, completion: 10, cached: 5, cost: "0.25"))
        summary.apply(Self.llm("mystery", prompt: 1, completion: 1))
        summary.apply(Self.llm("big", prompt: 1_000_000_000_000, completion: 0, cost: "1"))
        // A sum near the top (as after very many calls) is held, not wrapped.
        summary.modelTotals["big"]!.promptTokens = Int.max - 1
        summary.apply(Self.llm("big", prompt: 1_000_000_000_000, completion: 0, cost: "1"))
        let lines = summary.models(PriceTable())
        #expect(lines.map(\.model) == ["big", "gpt-4o", "mystery"])
        let gpt = lines[1]
        #expect(gpt.totals.calls == 2 && gpt.totals.promptTokens == 1010 && gpt.totals.cachedTokens == 5)
        #expect(gpt.cost == Decimal(string: "0.2575")! && gpt.unpricedCalls == 0)
        #expect(lines[2].unpricedCalls == 1 && lines[2].cost == 0)
        #expect(lines[0].totals.promptTokens == Int.max)
        // The session's cost is the sum of the models'.
        #expect(lines[0].totals.calls == 2 && lines[0].cost == 2)
        #expect(summary.cost(PriceTable()) == lines.reduce(Decimal(0)) { $0 + $1.cost })
    }

    @Test("durations read back as the tools print them")
    func durations() {
        #expect(DurationParser.seconds("1m 30s") == 90)
        #expect(DurationParser.seconds("1h 2m 3.4s") == 3723.4)
        #expect(DurationParser.seconds(DurationFormat.sdk(5025.5)) == 5025.5)
        #expect(DurationParser.seconds("1 m") == nil)
        #expect(DurationParser.seconds("30s 1m") == nil)
        #expect(DurationParser.seconds(" ") == nil)
    }
}
