import Foundation
import Testing
@testable import AgentOpsKit

@Suite("Views for people")
struct ViewTests {
    static func summary(_ command: [String], tags: [String], state: EndState?) -> SessionSummary {
        let id = SessionID("12345678-0000-4000-8000-000000000000")!
        var summary = SessionSummary(session: Session(id: id, initTimestamp: Timestamp(microseconds: 0), tags: tags,
                                                      hostEnv: .null, command: command))
        if let state { summary.apply(.end(.init(timestamp: Timestamp(microseconds: 1_500_000), state: state, reason: "r"))) }
        return summary
    }

    @Test("the sessions table fits a width by cutting tags and command with …")
    func fitsWidth() {
        let long = Self.summary(["python3", String(repeating: "x", count: 80)], tags: ["alpha", "beta", "gamma"],
                                state: .fail)
        let layout = SessionsTable.Layout(utc: true, width: 100)
        let text = SessionsTable.text([long], prices: PriceTable(), layout: layout)
        for line in text.split(separator: "\n") { #expect(line.count <= 100, "\(line)") }
        #expect(text.contains("…"))
        #expect(text.contains("1970-01-01 00:00:00"))
        let wide = SessionsTable.text([long], prices: PriceTable(), layout: SessionsTable.Layout(utc: true))
        #expect(wide.contains("alpha,beta,gamma"))
        let coloured = SessionsTable.text([long], prices: PriceTable(),
                                          states: [long.session.id: SessionActivity.running],
                                          layout: SessionsTable.Layout(colour: true))
        #expect(coloured.contains("\u{1B}[36mRunning"))
    }

    @Test("the totals line counts every matching session, shown or not")
    func footer() {
        let sessions = [Self.summary(["a"], tags: [], state: .fail), Self.summary(["b"], tags: [], state: .success),
                        Self.summary(["c"], tags: [], state: nil)].map(SessionRow.init)
        #expect(SessionsTable.footer(shown: 2, matching: sessions, prices: PriceTable())
            == "2 of 3 sessions (--limit 0: all) | Cost: $0.00 | Failed: 1")
        #expect(SessionsTable.footer(shown: 1, matching: [sessions[1]], prices: PriceTable())
            == "1 session | Cost: $0.00 | Failed: 0")
    }

    @Test("colour: NO_COLOR wins, FORCE_COLOR and CLICOLOR_FORCE force, else a terminal")
    func colourRule() {
        #expect(TerminalOutput.colour(isTerminal: true, environment: [:]))
        #expect(!TerminalOutput.colour(isTerminal: false, environment: [:]))
        #expect(!TerminalOutput.colour(isTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(TerminalOutput.colour(isTerminal: true, environment: ["NO_COLOR": ""]))
        #expect(TerminalOutput.colour(isTerminal: false, environment: ["FORCE_COLOR": "1"]))
        #expect(!TerminalOutput.colour(isTerminal: false, environment: ["FORCE_COLOR": "0"]))
        #expect(TerminalOutput.colour(isTerminal: false, environment: ["CLICOLOR_FORCE": "1"]))
        #expect(!TerminalOutput.colour(isTerminal: false, environment: ["CLICOLOR_FORCE": "1", "NO_COLOR": "1"]))
        #expect(!TerminalOutput.colour(isTerminal: true, environment: ["TERM": "dumb"]))
    }

    @Test("show's filter keeps types and streams, either matching")
    func filter() {
        let id = SessionID("12345678-0000-4000-8000-000000000000")!
        let at = Timestamp(microseconds: 0)
        let out = Event.stdout("o", from: at, to: at, session: id)
        let err = Event.stderr("e", from: at, to: at, session: id)
        let plan = Event(type: .actions, initTimestamp: at, endTimestamp: at, sessionID: id,
                         fields: [("action_type", .string("plan"))])
        let llm = Event(type: .llms, initTimestamp: at, endTimestamp: at, sessionID: id, fields: [])
        let all = [out, err, plan, llm]
        #expect(all.filter(SessionView.Filter().keeps).count == 4)
        #expect(all.filter(SessionView.Filter(streams: ["stdout"]).keeps) == [out])
        #expect(all.filter(SessionView.Filter(types: [.llms], streams: ["stderr"]).keeps) == [err, llm])
        #expect(all.filter(SessionView.Filter(types: [.actions]).keeps) == [out, plan])
        let line = SessionView.render(out, sessionStart: at, prices: PriceTable(), colour: false)
        #expect(line == "    +0.0s  stdout  o")
    }

    @Test("an LLM call's cost is shown as a decimal however it was written; one out of the limits is none")
    func costShown() {
        func shown(_ cost: JSONValue) -> String {
            SessionView.describe(.object([("model", .string("m")), ("prompt_tokens", .int(1)),
                                          ("completion_tokens", .int(2)), ("cost", cost)]), type: .llms).1
        }
        #expect(shown(.number("0.1e10")) == "m (1→2 tokens, $1000000000)")
        #expect(shown(.string("0.0042")) == "m (1→2 tokens, $0.0042)")
        #expect(shown(.number("-1")) == "m (1→2 tokens, unpriced)")
        #expect(shown(.null) == "m (1→2 tokens, unpriced)")
        // Usage not known: it showed as "0→0 tokens, $0" (hostile pass, round 13).
        let unknown = JSONValue.object([("model", .string("gpt-4o")), ("prompt_tokens", .null),
                                        ("completion_tokens", .null), ("cost", .null)])
        #expect(SessionView.describe(unknown, type: .llms).1 == "gpt-4o (usage unknown)")
        let event = Event(type: .llms, initTimestamp: Timestamp(microseconds: 0), endTimestamp: Timestamp(microseconds: 0),
                          sessionID: SessionID.random(), fields: [("model", .string("gpt-4o")), ("prompt_tokens", .null),
                                                                  ("completion_tokens", .null), ("cost", .null)])
        #expect(SessionExport.row(event, prices: PriceTable())["cost"] == .null)
    }
}
