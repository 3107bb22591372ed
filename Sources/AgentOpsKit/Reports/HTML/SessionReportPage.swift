import Foundation

/// `agentops report ID`: one session as a self-contained HTML page.
///
/// What the page shows in its markup (header, timeline, steps, models) is built here
/// with every recorded string escaped; what the script renders (event details, the
/// conversation, the output log) is embedded as JSON in a
/// `<script type="application/json">` and put on the page with `textContent` only.
public enum SessionReportPage {
    /// Width of the timeline's plot, in SVG units; the labels sit left of it.
    static let plotWidth = 1000.0
    static let gutter = 118.0
    static let laneHeight = 14.0
    static let maxLanes = 6

    /// The page of `report`.
    ///
    /// - Parameter generated: when the report was made (shown at the bottom).
    public static func render(_ report: SessionReport, prices: PriceTable,
                              generated: Timestamp = .now()) -> [UInt8] {
        let summary = report.summary
        let session = summary.session
        var html = ""
        html += head(title: "agentops report: \(session.commandLine) (\(session.id.value.prefix(8)))")
        html += "<main>\n" + header(report, prices: prices)
        html += """
        <nav><a href="#timeline">Timeline</a>\(report.seen[.command] != nil ? "<a href=\"#steps\">Steps</a>" : "")\
        <a href="#models">Models</a><a href="#conversation">LLM calls</a><a href="#log">Output</a></nav>\n
        """
        html += timeline(report)
        html += steps(report)
        html += models(report, prices: prices)
        html += conversation(report)
        html += outputLog(report)
        html += "<p class=\"note\">Made by agentops \(HTMLEscaping.text(Version.current)) on "
            + "\(HTMLEscaping.text(LocalTime.format(generated))) from "
            + "\(HTMLEscaping.text(session.id.value)).</p>\n</main>\n"
        var bytes = Array(html.utf8)
        bytes += Array("<script type=\"application/json\" id=\"report-data\">".utf8)
        bytes += HTMLEscaping.scriptJSON(data(report))
        bytes += Array("</script>\n<script>\n\(ReportAssets.script)\n</script>\n</body>\n</html>\n".utf8)
        return bytes
    }

    /// The document's start, up to `<body>`.
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="\(ReportAssets.contentSecurityPolicy)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLEscaping.text(title))</title>
        <style>
        \(ReportAssets.css)
        </style>
        </head>
        <body>\n
        """
    }

    private static func header(_ report: SessionReport, prices: PriceTable) -> String {
        let summary = report.summary
        let session = summary.session
        let text = HTMLEscaping.text
        var facts: [(String, String, String)] = [
            ("session-id", "Session", "<code>\(text(session.id.value))</code>"),
            ("started", "Started", "<time datetime=\"\(session.initTimestamp)\">"
                + text(LocalTime.format(session.initTimestamp)) + "</time>"),
            ("duration", "Duration", text(DurationFormat.sdk(report.span))
                + (session.endTimestamp == nil ? " (not ended)" : "")),
            ("cost", "Cost", "$" + text(Cost.sdkFormat(summary.cost(prices)))),
            ("counts", "Events", "LLMs: \(summary.count(.llms)) | Tools: \(summary.count(.tools)) | "
                + "Actions: \(summary.count(.actions)) | Errors: \(summary.count(.errors))"),
            ("tokens", "Tokens", "\(summary.promptTokens) prompt, \(summary.completionTokens) completion"),
        ]
        if !session.tags.isEmpty {
            facts.append(("tags", "Tags", session.tags.map { "<span class=\"tag\">\(text($0))</span>" }.joined()))
        }
        let os = session.hostEnv["OS"]
        if let host = os?["Hostname"]?.stringValue {
            let system = [os?["OS"]?.stringValue, os?["OS Release"]?.stringValue].compactMap { $0 }
                .joined(separator: " ")
            facts.append(("host", "Host", text(host + (system.isEmpty ? "" : " (\(system))"))))
        }
        let state = session.endState.rawValue
        let reason = session.endStateReason ?? (session.endTimestamp == nil ? "not ended" : "")
        var html = """
        <header>
        <h1 id="command" class="clamped" title="Click to show all"><code>\(text(session.commandLine))</code></h1>
        <p id="state" class="state state-\(HTMLEscaping.attribute(state))"><span class="badge">\(text(state))\
        </span> <span id="reason">\(text(reason))</span></p>
        <dl class="facts">\n
        """
        for (id, name, value) in facts { html += "<div><dt>\(name)</dt><dd id=\"\(id)\">\(value)</dd></div>\n" }
        html += "</dl>\n"
        let unpriced = summary.unpricedModels(prices)
        if !unpriced.isEmpty {
            let list = unpriced.map { "\($0.model.isEmpty ? "(no model)" : $0.model) (\($0.calls) calls)" }
            html += "<p class=\"note warn\">Not in the price table, counted as $0: "
                + text(list.joined(separator: ", ")) + ".</p>\n"
        }
        if !summary.problems.isEmpty {
            html += "<p class=\"note warn\">\(summary.problems.count) corrupted line(s) of the session file "
                + "were skipped.</p>\n"
        }
        return html + "</header>\n"
    }

    /// The timeline: one row of lanes per kind of event, errors as marks, output as
    /// ticks per stream, on one axis.
    private static func timeline(_ report: SessionReport) -> String {
        let geometry = WaterfallGeometry(span: report.span, width: plotWidth)
        var body = ""
        var y = 26.0
        let rows: [(SessionReport.Kind, String)] = [(.command, "steps"), (.llm, "LLM calls"), (.tool, "tools"),
                                                     (.action, "actions")]
        for (kind, name) in rows {
            let indexed = report.items.enumerated().filter { $0.element.kind == kind }
            guard !indexed.isEmpty else { continue }
            let lanes = geometry.lanes(indexed.map { ($0.element.start, $0.element.end) }, maxLanes: maxLanes)
            let laneCount = (lanes.max() ?? 0) + 1
            body += label(name + countNote(report, kind), y: y + laneHeight / 2 + 4)
            for ((index, item), lane) in zip(indexed, lanes) {
                let bar = geometry.bar(start: item.start, end: item.end)
                body += "<rect class=\"bar \(kind.rawValue)\" data-e=\"\(index)\" x=\"\(f(gutter + bar.x))\" "
                    + "y=\"\(f(y + Double(lane) * (laneHeight + 3)))\" width=\"\(f(bar.width))\" "
                    + "height=\"\(f(laneHeight))\" rx=\"2\"><title>"
                    + HTMLEscaping.text(tooltip(item)) + "</title></rect>\n"
            }
            y += Double(laneCount) * (laneHeight + 3) + 8
        }
        let errors = report.items.enumerated().filter { $0.element.kind == .error }
        if !errors.isEmpty {
            body += label("errors" + countNote(report, .error), y: y + 11)
            for (index, item) in errors {
                let x = gutter + geometry.x(item.start)
                let middle = y + 7
                body += "<path class=\"mark error\" data-e=\"\(index)\" d=\"M\(f(x)) \(f(middle - 7))"
                    + "l6 7l-6 7l-6 -7z\"><title>\(HTMLEscaping.text(tooltip(item)))</title></path>\n"
            }
            y += 22
        }
        for stream in [OutputLogWindow.Stream.stdout, .stderr] {
            guard let bins = report.outputBins[stream], let peak = bins.max(), peak > 0 else { continue }
            let lines = report.log.seen[stream, default: 0]
            body += label("\(stream.name) (\(lines))", y: y + 11)
            let binWidth = plotWidth / Double(bins.count)
            for (bin, count) in bins.enumerated() where count > 0 {
                // Log scale: a single line stays visible next to a burst of thousands.
                let height = 4 + 10 * log(Double(count)) / log(Double(max(peak, 2)))
                body += "<rect class=\"tick \(stream.name)\" x=\"\(f(gutter + Double(bin) * binWidth))\" "
                    + "y=\"\(f(y + 14 - height))\" width=\"\(f(max(binWidth * 0.6, 1)))\" height=\"\(f(height))\">"
                    + "<title>\(count) line\(count == 1 ? "" : "s") of \(stream.name) at +"
                    + WaterfallGeometry.label(Double(bin) * report.span / Double(bins.count)) + "</title></rect>\n"
            }
            y += 22
        }
        if body.isEmpty { body += label("(no events)", y: y + 11); y += 22 }
        let height = y + 4
        var axis = ""
        for tick in geometry.ticks() {
            let x = f(gutter + tick.x)
            axis += "<line class=\"grid\" x1=\"\(x)\" x2=\"\(x)\" y1=\"18\" y2=\"\(f(height))\"/>"
                + "<text x=\"\(x)\" y=\"13\" text-anchor=\"middle\">\(WaterfallGeometry.label(tick.seconds))</text>\n"
        }
        let width = gutter + plotWidth + 16
        return """
        <section id="timeline">
        <h2>Timeline</h2>
        <svg class="waterfall" viewBox="0 0 \(f(width)) \(f(height))" role="img" \
        aria-label="Timeline of the session's events">
        \(axis)\(body)</svg>
        <p class="note">Hover over or click an event for its details.\(omittedEventsNote(report))</p>
        <div id="details" class="details" hidden></div>
        </section>\n
        """
    }

    private static func label(_ text: String, y: Double) -> String {
        "<text x=\"4\" y=\"\(f(y))\">\(HTMLEscaping.text(text))</text>\n"
    }

    private static func countNote(_ report: SessionReport, _ kind: SessionReport.Kind) -> String {
        " (\(report.seen[kind, default: 0]))"
    }

    private static func omittedEventsNote(_ report: SessionReport) -> String {
        let left = SessionReport.Kind.allCases.compactMap { kind -> String? in
            let count = report.omitted(kind)
            return count > 0 ? "\(count) \(kind.rawValue) events" : nil
        }
        guard !left.isEmpty else { return "" }
        return " Not drawn (over the report's limit): " + left.joined(separator: ", ") + "."
    }

    private static func tooltip(_ item: SessionReport.Item) -> String {
        "\(item.kind.rawValue): \(String(item.label.prefix(120))) — at +"
            + "\(WaterfallGeometry.label(item.start)), \(DurationFormat.sdk(item.end - item.start))"
    }

    /// Nested `agentops-run` steps that joined the session, in order.
    private static func steps(_ report: SessionReport) -> String {
        let steps = report.items.enumerated().filter { $0.element.kind == .command }
        guard !steps.isEmpty else { return "" }
        var html = """
        <section id="steps">
        <h2>Steps</h2>
        <table><thead><tr><th class="num">#</th><th class="num">start</th><th class="num">duration</th>\
        <th>command</th><th>outcome</th></tr></thead><tbody>\n
        """
        for (number, (index, item)) in steps.enumerated() {
            let outcome = item.fields.first { $0.0 == "outcome" }?.1 ?? ""
            let failed = !(outcome.hasSuffix("code 0") || outcome.isEmpty)
            html += "<tr data-e=\"\(index)\"><td class=\"num\">\(number + 1)</td>"
                + "<td class=\"num\">+\(WaterfallGeometry.label(item.start))</td>"
                + "<td class=\"num\">\(DurationFormat.sdk(item.end - item.start))</td>"
                + "<td><code>\(HTMLEscaping.text(item.label))</code></td>"
                + "<td class=\"\(failed ? "state-Fail" : "state-Success")\">\(HTMLEscaping.text(outcome))</td></tr>\n"
        }
        let left = report.omitted(.command)
        return html + "</tbody></table>\n"
            + (left > 0 ? "<p class=\"note\">\(left) more steps not listed.</p>\n" : "") + "</section>\n"
    }

    private static func models(_ report: SessionReport, prices: PriceTable) -> String {
        let rows = report.models.rows(prices: prices)
        var html = "<section id=\"models\">\n<h2>Models</h2>\n"
        guard !rows.isEmpty else { return html + "<p class=\"note\">No LLM calls.</p>\n</section>\n" }
        html += """
        <table><thead><tr><th>model</th><th class="num">calls</th><th class="num">prompt tokens</th>\
        <th class="num">completion tokens</th><th class="num">cached tokens</th><th class="num">cost</th>\
        <th>share</th></tr></thead><tbody>\n
        """
        for row in rows {
            let percent = (row.share * 1000).rounded() / 10
            let cost = "$" + Cost.sdkFormat(row.cost)
                + (row.unpricedCalls > 0 ? " (\(row.unpricedCalls) unpriced)" : "")
            html += "<tr class=\"model-row\"><td>\(HTMLEscaping.text(row.model.isEmpty ? "(no model)" : row.model))"
                + "</td><td class=\"num\">\(row.calls)</td><td class=\"num\">\(row.promptTokens)</td>"
                + "<td class=\"num\">\(row.completionTokens)</td><td class=\"num\">\(row.cachedTokens)</td>"
                + "<td class=\"num\">\(cost)</td><td><span class=\"share\" style=\"width:\(f(percent))px\"></span>"
                + "\(f(percent))%</td></tr>\n"
        }
        let total = rows.reduce(into: ModelUsageTable.Row(model: "total")) { sum, row in
            sum.calls += row.calls
            sum.promptTokens += row.promptTokens
            sum.completionTokens += row.completionTokens
            sum.cachedTokens += row.cachedTokens
            sum.cost += row.cost
        }
        html += "<tr><th>total</th><th class=\"num\">\(total.calls)</th><th class=\"num\">\(total.promptTokens)</th>"
            + "<th class=\"num\">\(total.completionTokens)</th><th class=\"num\">\(total.cachedTokens)</th>"
            + "<th class=\"num\">$\(Cost.sdkFormat(total.cost))</th><th></th></tr>\n"
        return html + "</tbody></table>\n</section>\n"
    }

    private static func conversation(_ report: SessionReport) -> String {
        let left = report.omitted(.llm)
        return """
        <section id="conversation">
        <h2>LLM calls</h2>
        \(report.seen[.llm] == nil ? "<p class=\"note\">No LLM calls.</p>" : "")\
        \(left > 0 ? "<p class=\"note\">The first \(report.seen[.llm, default: 0] - left) calls are shown; "
            + "\(left) more are counted in the models table only.</p>" : "")
        <div id="conversation-list"></div>
        <noscript><p class="note">The conversation needs JavaScript.</p></noscript>
        </section>\n
        """
    }

    private static func outputLog(_ report: SessionReport) -> String {
        let log = report.log
        let seen = log.seen.values.reduce(0, +)
        var notes: [String] = []
        if log.omittedCount > 0 {
            notes.append("\(log.omittedCount) of \(seen) lines left out of this page ("
                + "\(log.omitted[.stdout, default: 0]) stdout, \(log.omitted[.stderr, default: 0]) stderr): "
                + "it keeps the first \(log.head.count), the last \(log.tail.count) and \(log.middle.count) "
                + "stderr lines between. agentops export has them all.")
        }
        if log.clipped > 0 { notes.append("\(log.clipped) long lines are cut to \(log.maxLineCharacters) characters.") }
        if report.textsCut > 0 { notes.append("\(report.textsCut) long recorded texts are cut short.") }
        return """
        <section id="log">
        <h2>Output</h2>
        <p class="note" id="log-summary">\(seen) lines: \(log.seen[.stdout, default: 0]) stdout, \
        \(log.seen[.stderr, default: 0]) stderr.\(notes.isEmpty ? "" : " " + notes.joined(separator: " "))</p>
        <div class="controls"><input id="log-filter" type="search" placeholder="Filter lines" \
        aria-label="Filter lines"><label><input id="log-errors" type="checkbox"> errors only</label>\
        <span id="log-status" class="note"></span></div>
        <div id="log-lines" class="log"></div>
        <noscript><p class="note">The output log needs JavaScript.</p></noscript>
        </section>\n
        """
    }

    /// What the script renders, as JSON.
    static func data(_ report: SessionReport) -> JSONValue {
        func milliseconds(_ seconds: Double) -> JSONValue { .int(Int((seconds * 1000).rounded())) }
        func pairs(_ list: [(String, String)]) -> JSONValue {
            .array(list.map { .array([.string($0.0), .string($0.1)]) })
        }
        let events = report.items.map { item -> JSONValue in
            var object: [(String, JSONValue)] = [
                ("k", .string(item.kind.rawValue)), ("s", milliseconds(item.start)),
                ("d", milliseconds(item.end - item.start)), ("l", .string(item.label)), ("f", pairs(item.fields)),
            ]
            if item.kind == .llm {
                object.append(("p", pairs(item.prompt.map { ($0.role, $0.text) })))
                object.append(("c", pairs(item.completion.map { ($0.role, $0.text) })))
            }
            return .object(object)
        }
        let log = report.log
        let lines = (log.head + log.middle + log.tail).map { line -> JSONValue in
            .array([.int(line.milliseconds), .int(line.stream.rawValue), .string(line.text)])
        }
        let gapText = "… \(log.omittedCount) lines left out here (\(log.omitted[.stdout, default: 0]) stdout, "
            + "\(log.omitted[.stderr, default: 0]) stderr)"
            + (log.middle.isEmpty ? "" : "; the \(log.middle.count) stderr lines of this stretch follow")
        return .object([
            ("events", .array(events)),
            ("log", .object([
                ("lines", .array(lines)),
                ("gap", .object([("at", .int(log.head.count)), ("count", .int(log.omittedCount)),
                                 ("text", .string(gapText))])),
            ])),
        ])
    }

    /// A number for SVG and CSS: at most two decimals, no exponent.
    static func f(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        if fraction == 0 { return "\(sign)\(magnitude / 100)" }
        let digits = fraction < 10 ? "0\(fraction)" : fraction % 10 == 0 ? "\(fraction / 10)" : "\(fraction)"
        return "\(sign)\(magnitude / 100).\(digits)"
    }
}
