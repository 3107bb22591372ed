import Foundation

/// `agentops report --sessions`: many sessions on one page — cost per day and
/// failure rate as small charts, then a table linking each session's own report.
///
/// Links point to `agentops-report-ID.html` beside the page: the name
/// `agentops report ID` gives a session's report, and what `--sessions -o DIR/`
/// writes next to the index.
public enum SessionsReportPage {
    /// Days shown in the charts at most (the latest ones).
    static let maxDays = 90

    /// One day of the charts.
    public struct Day: Sendable, Equatable {
        /// Local calendar day, `2026-11-21`.
        public var day: String
        /// Sessions started that day.
        public var sessions = 0
        /// Of which ended Fail.
        public var failed = 0
        /// Their cost.
        public var cost: Decimal = 0
    }

    /// The file name of session `id`'s report, as linked from the page.
    public static func fileName(of id: SessionID) -> String { "agentops-report-\(id.value).html" }

    /// The days from the first session's to the last's (at most the latest
    /// `maxDays`), with days without sessions filled in.
    public static func days(_ summaries: [SessionSummary], prices: PriceTable) -> [Day] {
        var byDay: [String: Day] = [:]
        for summary in summaries {
            let day = LocalTime.day(summary.session.initTimestamp)
            var entry = byDay[day] ?? Day(day: day)
            entry.sessions += 1
            if summary.session.endState == .fail { entry.failed += 1 }
            entry.cost += summary.cost(prices)
            byDay[day] = entry
        }
        guard let first = byDay.keys.min(), let last = byDay.keys.max() else { return [] }
        var result: [Day] = []
        var day = first
        while true {
            result.append(byDay[day] ?? Day(day: day))
            if day >= last { break }
            day = LocalTime.dayAfter(day)
        }
        return Array(result.suffix(maxDays))
    }

    /// The page over `summaries` (newest first).
    ///
    /// - Parameter filters: the filters that chose them, in words (shown under the title).
    public static func render(_ summaries: [SessionSummary], prices: PriceTable, filters: String,
                              now: Timestamp = .now()) -> [UInt8] {
        let text = HTMLEscaping.text
        let total = summaries.reduce(Decimal(0)) { $0 + $1.cost(prices) }
        let failed = summaries.filter { $0.session.endState == .fail }.count
        var html = SessionReportPage.head(title: "agentops report: \(summaries.count) sessions")
        html += """
        <main>
        <header>
        <h1 id="title">\(summaries.count) session\(summaries.count == 1 ? "" : "s")</h1>
        <p class="note">\(text(filters))</p>
        <dl class="facts">
        <div><dt>Cost</dt><dd id="total-cost">$\(Cost.sdkFormat(total))</dd></div>
        <div><dt>Failed</dt><dd id="failure-rate">\(failed) of \(summaries.count)\
        \(summaries.isEmpty ? "" : " (\(percent(Double(failed) / Double(summaries.count))))")</dd></div>
        </dl>
        </header>\n
        """
        let days = days(summaries, prices: prices)
        if !days.isEmpty {
            html += "<section id=\"charts\">\n<h2>By day</h2>\n"
            html += chart(id: "cost-per-day", title: "Cost per day (USD)", days: days,
                          value: { NSDecimalNumber(decimal: $0.cost).doubleValue },
                          caption: { "$" + Cost.sdkFormat($0.cost) }, failClass: false)
            html += chart(id: "failure-rate", title: "Failure rate per day", days: days,
                          value: { $0.sessions == 0 ? 0 : Double($0.failed) / Double($0.sessions) },
                          caption: { "\($0.failed) of \($0.sessions) failed" }, failClass: true, maximum: 1)
            html += "</section>\n"
        }
        html += """
        <section id="sessions">
        <h2>Sessions</h2>
        <table><thead><tr><th>id</th><th>started</th><th class="num">duration</th><th>state</th>\
        <th class="num">cost</th><th class="num">LLMs</th><th class="num">tools</th><th class="num">actions</th>\
        <th class="num">errors</th><th>tags</th><th>command</th></tr></thead><tbody>\n
        """
        for summary in summaries {
            let session = summary.session
            let state = session.endState.rawValue
            html += "<tr class=\"session-row\"><td><a class=\"mono\" href=\""
                + HTMLEscaping.attribute(fileName(of: session.id)) + "\">\(session.id.value.prefix(8))</a></td>"
                + "<td>\(text(LocalTime.format(session.initTimestamp)))</td>"
                + "<td class=\"num\">\(DurationFormat.sdk(summary.duration(now: now)))</td>"
                + "<td class=\"state-\(HTMLEscaping.attribute(state))\" title=\""
                + HTMLEscaping.attribute(session.endStateReason ?? "") + "\">\(text(state))</td>"
                + "<td class=\"num\">$\(Cost.sdkFormat(summary.cost(prices)))</td>"
                + "<td class=\"num\">\(summary.count(.llms))</td><td class=\"num\">\(summary.count(.tools))</td>"
                + "<td class=\"num\">\(summary.count(.actions))</td><td class=\"num\">\(summary.count(.errors))</td>"
                + "<td>\(session.tags.map { "<span class=\"tag\">\(text($0))</span>" }.joined())</td>"
                + "<td><code>\(text(String(session.commandLine.prefix(200))))</code></td></tr>\n"
        }
        html += """
        </tbody></table>
        <p class="note">Each id links to agentops-report-ID.html beside this page: \
        'agentops report --sessions -o DIR/' writes them all, 'agentops report ID' one.</p>
        </section>
        <p class="note">Made by agentops \(text(Version.current)) on \(text(LocalTime.format(now))).</p>
        </main>
        </body>
        </html>\n
        """
        return Array(html.utf8)
    }

    private static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    /// A small bar chart, one bar per day, each with a tooltip.
    private static func chart(id: String, title: String, days: [Day], value: (Day) -> Double,
                              caption: (Day) -> String, failClass: Bool, maximum: Double? = nil) -> String {
        let (width, height, top) = (max(Double(days.count) * 8, 160), 80.0, 6.0)
        let peak = maximum ?? max(days.map(value).max() ?? 0, 0)
        let step = width / Double(days.count)
        var bars = ""
        for (index, day) in days.enumerated() {
            let share = peak > 0 ? value(day) / peak : 0
            let barHeight = max(share * (height - top), value(day) > 0 ? 1 : 0)
            bars += "<rect class=\"bar\(failClass ? " fail" : "")\" "
                + "x=\"\(SessionReportPage.f(Double(index) * step + 1))\""
                + " y=\"\(SessionReportPage.f(height - barHeight))\" width=\"\(SessionReportPage.f(max(step - 2, 1)))\""
                + " height=\"\(SessionReportPage.f(barHeight))\"><title>\(day.day): "
                + HTMLEscaping.text(caption(day)) + "</title></rect>"
            bars += "<rect x=\"\(SessionReportPage.f(Double(index) * step))\" y=\"0\" width=\""
                + "\(SessionReportPage.f(step))\" height=\"\(SessionReportPage.f(height))\" fill=\"transparent\">"
                + "<title>\(day.day): \(HTMLEscaping.text(caption(day)))</title></rect>"
        }
        let peakText = maximum != nil ? "100%" : "$" + Cost.sdkFormat(Decimal(peak))
        return """
        <figure class="chart" id="\(id)"><figcaption class="note">\(HTMLEscaping.text(title)), \
        \(days.first!.day) to \(days.last!.day) (top: \(peakText))</figcaption>
        <svg width="\(SessionReportPage.f(width))" height="\(SessionReportPage.f(height + 1))" \
        viewBox="0 0 \(SessionReportPage.f(width)) \(SessionReportPage.f(height + 1))" role="img" \
        aria-label="\(HTMLEscaping.attribute(title))">\(bars)<line class="grid" x1="0" x2="\
        \(SessionReportPage.f(width))" y1="\(SessionReportPage.f(height))" y2="\(SessionReportPage.f(height))" \
        stroke="#e4e7ec"/></svg></figure>\n
        """
    }
}
