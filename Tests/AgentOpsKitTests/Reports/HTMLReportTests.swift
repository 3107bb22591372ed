import Foundation
import Testing
import TestSupport
@testable import AgentOpsKit

/// The pure parts of `agentops report`: escaping, the JSON embedded in the page, the
/// timeline's geometry, the windows and tables that keep a big session's page small.
@Suite("HTML report, pure parts")
struct HTMLReportTests {
    static let payload = "<script>alert(1)</script> & \"quoted\" 'single' <img src=x onerror=alert(2)>"

    @Test("HTML text and attribute escaping leave no markup")
    func escaping() {
        #expect(HTMLEscaping.text(Self.payload)
            == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"quoted\" 'single' &lt;img src=x onerror=alert(2)&gt;")
        #expect(HTMLEscaping.attribute(Self.payload)
            == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#39;single&#39; "
            + "&lt;img src=x onerror=alert(2)&gt;")
        #expect(HTMLEscaping.text("plain é 日本 ✓") == "plain é 日本 ✓")
        #expect(HTMLEscaping.text("&amp;") == "&amp;amp;")
    }

    @Test("JSON inside a script element: <, >, & and U+2028/2029 escaped, the value unchanged")
    func scriptJSON() throws {
        let value = JSONValue.object([
            ("text", .string(Self.payload + " </script><!-- \u{2028}line\u{2029}para ]]>")),
            ("list", .array([.string("</SCRIPT>"), .int(3), .null, .bool(true)])),
        ])
        let bytes = HTMLEscaping.scriptJSON(value)
        let text = String(decoding: bytes, as: UTF8.self)
        for forbidden in ["<", ">", "&", "\u{2028}", "\u{2029}"] { #expect(!text.contains(forbidden), "\(forbidden)") }
        #expect(text.contains(#"\u003c/script\u003e"#) && text.contains(#"\u2028"#) && text.contains(#"\u2029"#)
            && text.contains(#"\u0026"#))
        #expect(try JSONParser.parse(bytes) == value)
    }

    @Test("the time axis: positions, clamping, narrowest bar, bars kept inside the plot")
    func geometry() {
        let axis = WaterfallGeometry(span: 10, width: 1000)
        #expect(axis.x(0) == 0 && axis.x(5) == 500 && axis.x(10) == 1000)
        #expect(axis.x(-1) == 0 && axis.x(11) == 1000)
        #expect(axis.bar(start: 1, end: 3) == (100, 200))
        #expect(axis.bar(start: 2, end: 2) == (200, 2))
        #expect(axis.bar(start: 10, end: 10) == (998, 2))
        #expect(axis.bar(start: 3, end: 1) == (300, 2))
        #expect(WaterfallGeometry(span: 0, width: 100).span == 0.001)
        #expect(axis.bin(0, count: 600) == 0 && axis.bin(10, count: 600) == 599 && axis.bin(5, count: 600) == 300)
    }

    @Test("overlapping bars take separate lanes, up to the limit; apart they share one")
    func lanes() {
        let axis = WaterfallGeometry(span: 10, width: 1000)
        #expect(axis.lanes([(0, 1), (2, 3), (4, 5)], maxLanes: 6) == [0, 0, 0])
        #expect(axis.lanes([(0, 5), (1, 2), (3, 4), (6, 7)], maxLanes: 6) == [0, 1, 1, 0])
        #expect(axis.lanes([(0, 9), (0, 9), (0, 9), (0, 9)], maxLanes: 2) == [0, 1, 1, 1])
        // Instant events 0.01 s apart are drawn 2 units wide, 1 unit apart: they overlap on screen.
        #expect(axis.lanes([(1, 1), (1.01, 1.01)], maxLanes: 6) == [0, 1])
    }

    @Test("axis ticks at round steps, labels people read", arguments: [
        (10.0, 1.0, 11), (0.35, 0.05, 8), (125.0, 20.0, 7), (7200.0, 900.0, 9), (0.0, 0.0001, 11),
    ])
    func ticks(span: Double, step: Double, count: Int) {
        let ticks = WaterfallGeometry(span: span, width: 1000).ticks()
        #expect(ticks.count == count)
        #expect(abs(ticks[1].seconds - step) < 1e-9)
        #expect(ticks.allSatisfy { $0.x >= 0 && $0.x <= 1000 })
    }

    @Test("tick labels")
    func labels() {
        #expect(WaterfallGeometry.label(0) == "0s")
        #expect(WaterfallGeometry.label(0.25) == "250ms")
        #expect(WaterfallGeometry.label(1.5) == "1.5s")
        #expect(WaterfallGeometry.label(2) == "2s")
        #expect(WaterfallGeometry.label(120) == "2m")
        #expect(WaterfallGeometry.label(5430) == "1h 30m 30s")
    }

    @Test("the output histogram grows in one pass and loses no line")
    func histogram() {
        var histogram = TimeHistogram(bins: 8, binSeconds: 1)
        for second in [0.5, 1.5, 7.9] { histogram.add(second) }
        #expect(histogram.binSeconds == 1 && histogram.counts == [1, 1, 0, 0, 0, 0, 0, 1])
        histogram.add(20)
        #expect(histogram.binSeconds == 4 && histogram.counts == [2, 1, 0, 0, 0, 1, 0, 0])
        #expect(histogram.rebinned(span: 24, count: 3) == [3, 0, 1])
        var many = TimeHistogram()
        for index in 0..<100_000 { many.add(Double(index) * 0.01) }
        #expect(many.counts.reduce(0, +) == 100_000)
        #expect(many.rebinned(span: 1000, count: 600).reduce(0, +) == 100_000)
    }

    @Test("the output window keeps head, tail and middle errors, and counts exactly what it left out")
    func logWindow() {
        var window = OutputLogWindow(headLines: 3, tailLines: 2, middleErrorLines: 1, maxLineCharacters: 5)
        for index in 0..<20 {
            window.add(.init(milliseconds: index, stream: index % 5 == 4 ? .stderr : .stdout, text: "l\(index)"))
        }
        #expect(window.head.map(\.text) == ["l0", "l1", "l2"])
        #expect(window.tail.map(\.text) == ["l18", "l19"])
        #expect(window.middle.map(\.text) == ["l4"])
        #expect(window.seen == [.stdout: 16, .stderr: 4])
        // 20 lines: 3 + 2 + 1 kept; of the 14 others, 2 stderr (l9, l14) and 12 stdout.
        #expect(window.omitted == [.stdout: 12, .stderr: 2] && window.omittedCount == 14)
        window.add(.init(milliseconds: 0, stream: .stdout, text: "0123456789"))
        #expect(window.tail.last?.text == "01234 [report: 5 characters left out]" && window.clipped == 1)
    }

    @Test("a long tail stays bounded")
    func logWindowBounded() {
        var window = OutputLogWindow(headLines: 10, tailLines: 100, middleErrorLines: 0)
        for index in 0..<50_000 { window.add(.init(milliseconds: index, stream: .stdout, text: "\(index)")) }
        #expect(window.tail.count == 100 && window.tail.first?.text == "49900")
        #expect(window.omittedCount == 50_000 - 110)
    }

    @Test("per-model table: own costs and table prices, unknown models, shares")
    func models() throws {
        let prices = PriceTable(only: ["cheap": ModelPrice(input: Decimal(string: "0.000001")!,
                                                            output: Decimal(string: "0.000002")!)])
        var table = ModelUsageTable()
        func llm(_ model: String, _ prompt: Int, _ completion: Int, cost: String? = nil, cached: Int? = nil)
            -> JSONValue {
            var pairs: [(String, JSONValue)] = [("model", .string(model)), ("prompt_tokens", .int(prompt)),
                                                ("completion_tokens", .int(completion)),
                                                ("cost", cost.map { .number($0) } ?? .null)]
            if let cached { pairs.append(("cached_tokens", .int(cached))) }
            return .object(pairs)
        }
        table.add(llm("cheap", 1000, 500))
        table.add(llm("cheap", 1000, 500, cost: "0.01", cached: 200))
        table.add(llm("mystery", 10, 10))
        table.add(llm("own", 1, 1, cost: "0.006"))
        let rows = table.rows(prices: prices)
        #expect(rows.map(\.model) == ["cheap", "own", "mystery"])
        let cheap = try #require(rows.first)
        #expect(cheap.calls == 2 && cheap.promptTokens == 2000 && cheap.completionTokens == 1000
            && cheap.cachedTokens == 200 && cheap.cost == Decimal(string: "0.012")!)
        #expect(rows[2].unpricedCalls == 1 && rows[2].cost == 0)
        #expect(abs(cheap.share - 0.666_666) < 0.001 && abs(rows.map(\.share).reduce(0, +) - 1) < 1e-9)
        #expect(ModelUsageTable.cost(of: llm("cheap", 1000, 500), prices: prices) == Decimal(string: "0.002")!)
        #expect(ModelUsageTable.cost(of: llm("mystery", 1, 1), prices: prices) == nil)
    }

    @Test("prompts and completions of every recorded shape become messages")
    func conversation() throws {
        let messages = try JSONParser.parse(#"[{"role":"system","content":"be brief"},"#
            + #"{"role":"user","content":[{"type":"text","text":"hi"},{"type":"text","text":"there"}]}]"#)
        #expect(Conversation.messages(messages, role: "user")
            == [.init(role: "system", text: "be brief"), .init(role: "user", text: "hi\nthere")])
        #expect(Conversation.messages(.string("plain"), role: "user") == [.init(role: "user", text: "plain")])
        #expect(Conversation.messages(try JSONParser.parse(#"{"messages":[{"role":"user","content":"q"}]}"#),
                                      role: "user") == [.init(role: "user", text: "q")])
        #expect(Conversation.messages(try JSONParser.parse(#"{"role":"assistant","content":"a"}"#), role: "x")
            == [.init(role: "assistant", text: "a")])
        #expect(Conversation.messages(try JSONParser.parse(#"{"weird":1}"#), role: "assistant")
            == [.init(role: "assistant", text: #"{"weird":1}"#)])
        #expect(Conversation.messages(.null, role: "user").isEmpty)
    }

    @Test("the text budget cuts long texts, and everything once it is spent")
    func textBudget() {
        var budget = TextBudget(bytes: 20, perText: 10)
        #expect(budget.take("short") == "short")
        #expect(budget.take(String(repeating: "a", count: 15)) == "aaaaaaaaaa [report: 5 characters left out]")
        #expect(budget.take(String(repeating: "b", count: 20)).hasPrefix("bbbbbbbbbb ["))
        #expect(budget.remaining <= 0)
        var spent = TextBudget(bytes: 0, perText: 1000)
        #expect(spent.take(String(repeating: "c", count: 300)).hasSuffix("[report: 100 characters left out]"))
        #expect(spent.cut == 1)
    }

    @Test("report options: defaults, filters only with --sessions, one id")
    func options() throws {
        let single = try ReportCommand.parse(["last"])
        #expect(single.session == "last" && single.output == nil && !single.sessions)
        #expect(try ReportCommand.parse(["3f2a", "-o", "r.html"]).output == "r.html")
        #expect(try ReportCommand.parse(["-o-", "last"]).output == "-")
        let many = try ReportCommand.parse(["--sessions", "--tag", "ci", "-n", "5", "--state", "fail", "--since", "7d"])
        #expect(many.sessions && many.tags == ["ci"] && many.limit == 5 && many.state == .fail && many.since != nil)
        #expect(throws: UsageError.self) { try ReportCommand.parse([]) }
        #expect(throws: UsageError.self) { try ReportCommand.parse(["last", "--tag", "x"]) }
        #expect(throws: UsageError.self) { try ReportCommand.parse(["--sessions", "last"]) }
        #expect(throws: UsageError.self) { try ReportCommand.parse(["a", "b"]) }
        #expect(throws: UsageError.self) { try ReportCommand.parse(["last", "--bogus"]) }
        #expect(throws: UsageError.self) { try ReportCommand.parse(["--sessions", "--state", "meh"]) }
        #expect(ReportCommand.isFolder("out/") && ReportCommand.isFolder("/tmp") && !ReportCommand.isFolder("x.html"))
    }

    @Test("a recorded session's page: counts, limits and escaping")
    func page() throws {
        let folder = ScratchFolder.make("agentops-report-unit")
        defer { FileTree.remove(folder) }
        let id = SessionID(UUID().uuidString.lowercased())!
        let path = folder + "/\(id.value).jsonl"
        let file = try SessionLog(path: path)
        let start = Timestamp(microseconds: 1_800_000_000_000_000)
        func at(_ seconds: Double) -> Timestamp { Timestamp(microseconds: start.microseconds + Int64(seconds * 1e6)) }
        var records: [StoreRecord] = [.start(Session(id: id, initTimestamp: start, tags: ["<b>t</b>"], hostEnv: .null,
                                                     command: ["sh", "-c", Self.payload]))]
        for index in 0..<5 {
            records.append(.event(Event(type: .tools, initTimestamp: at(Double(index)),
                                        endTimestamp: at(Double(index) + 0.5),
                                        sessionID: id, fields: [("name", .string("tool\(index) " + Self.payload))])))
        }
        records.append(.event(.stdout((0..<100).map { "line \($0) \(Self.payload)" }.joined(separator: "\n"),
                                      from: at(1), to: at(2), session: id)))
        records.append(.event(.stderr("bad \u{2028}", from: at(3), to: at(3), session: id)))
        records.append(.event(.command("make test", outcome: "command exited with code 2", from: at(4), to: at(6),
                                       session: id)))
        records.append(.end(.init(timestamp: at(8), state: .fail, reason: "Command exited with code 1", exitCode: 1)))
        try file.append(records)

        var limits = SessionReport.Limits()
        limits.eventsPerKind = 3
        limits.log = OutputLogWindow(headLines: 10, tailLines: 10, middleErrorLines: 5)
        let report = try SessionReport.load(path: path, prices: PriceTable(only: [:]), limits: limits)
        #expect(report.span == 8 && report.seen[.tool] == 5 && report.omitted(.tool) == 2)
        #expect(report.items.filter { $0.kind == .command }.count == 1)
        #expect(report.log.seen == [.stdout: 100, .stderr: 1] && report.log.omittedCount == 81)
        #expect(report.outputBins[.stdout]?.reduce(0, +) == 100 && report.outputBins[.stderr]?.reduce(0, +) == 1)

        let html = String(decoding: SessionReportPage.render(report, prices: PriceTable(only: [:])), as: UTF8.self)
        // The only scripts are the page's own two; the payload is never markup.
        #expect(html.components(separatedBy: "<script").count == 3)
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("<span class=\"tag\">&lt;b&gt;t&lt;/b&gt;</span>"))
        #expect(html.components(separatedBy: "class=\"bar tool\"").count == 4)
        #expect(html.components(separatedBy: "class=\"bar command\"").count == 2)
        #expect(html.contains("id=\"state\" class=\"state state-Fail\""))
        #expect(html.contains("81 of 101 lines left out"))
        let json = try #require(html.components(separatedBy: "id=\"report-data\">").last?
            .components(separatedBy: "</script>").first)
        let data = try JSONParser.parse(json)
        #expect(data["log"]?["lines"]?.arrayValue?.count == 20)
        #expect(data["events"]?.arrayValue?.count == 4)
    }

    @Test("the sessions page: a day per chart bar, links by id")
    func sessionsPage() throws {
        let day: Int64 = 86_400_000_000
        let base = Timestamp(microseconds: 1_800_000_000_000_000)
        let summaries = (0..<4).map { index -> SessionSummary in
            var session = Session(id: SessionID(UUID().uuidString.lowercased())!,
                                  initTimestamp: Timestamp(microseconds: base.microseconds
                                                                + Int64(index / 2 * 2) * day),
                                  tags: [], hostEnv: .null, command: ["agent", "<x>"])
            session.endState = index == 0 ? .fail : .success
            return SessionSummary(session: session)
        }
        let days = SessionsReportPage.days(summaries, prices: PriceTable(only: [:]))
        #expect(days.map(\.sessions) == [2, 0, 2] && days.map(\.failed) == [1, 0, 0])
        let html = String(decoding: SessionsReportPage.render(summaries, prices: PriceTable(only: [:]), filters: "all"),
                          as: UTF8.self)
        #expect(html.components(separatedBy: "class=\"session-row\"").count == 5)
        #expect(html.contains("href=\"agentops-report-\(summaries[0].session.id.value).html\""))
        #expect(html.contains("<code>agent '&lt;x&gt;'</code>"))
        #expect(html.contains("id=\"failure-rate\">1 of 4 (25%)"))
        #expect(!html.contains("<script"))
    }

    @Test("report is documented in --help, the man page and the README, and the CI example keeps it")
    func documented() throws {
        let help = AgentOpsCommand.helpText
        #expect(help.contains("  report ID ") && help.contains("  report --sessions "))
        let page = try DocumentationTests.read("man/agentops.1")
        #expect(page.contains(".It Cm report Ar id") && page.contains(".It Cm report Fl -sessions"))
        let readme = try DocumentationTests.read("README.md")
        #expect(readme.contains("## Reports") && readme.contains("](docs/report.png)"))
        #expect(FileManager.default.fileExists(atPath: DocumentationTests.root + "/docs/report.png"))
        let workflow = try DocumentationTests.read("examples/github-actions.yml")
        #expect(workflow.contains("-o agentops-report.html")
            && workflow.contains("            agentops-report.html"))
        #expect(try DocumentationTests.read(".ci/run").contains("need_apt+=(chromium)"))
    }
}
