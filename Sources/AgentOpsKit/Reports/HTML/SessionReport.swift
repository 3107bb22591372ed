import Foundation

/// What `agentops report ID` shows of one session, read from its file in one
/// streaming pass.
///
/// Memory is bounded by the limits, not by the session: output is kept through an
/// `OutputLogWindow`, events up to `Limits.eventsPerKind` each, recorded text through
/// a `TextBudget`; everything else is counted, so the page can say exactly what it
/// left out.
public struct SessionReport: Sendable {
    /// How much the report keeps.
    public struct Limits: Sendable {
        /// Events kept (drawn and detailed) per kind; further ones are counted.
        public var eventsPerKind = 2_000
        /// Bytes of recorded text (prompts, completions, fields) kept in all; past it,
        /// each text is cut short.
        public var textBytes = 4 << 20
        /// Characters kept of one field or message while the budget lasts.
        public var fieldCharacters = 20_000
        /// The output window.
        public var log = OutputLogWindow()
        /// Bins of the output ticks across the time axis.
        public var outputBins = 600

        /// The defaults: a 200,000-line session gives a page of a few MB.
        public init() {}
    }

    /// The kinds of event drawn on the timeline.
    public enum Kind: String, Sendable, CaseIterable {
        case command, llm, tool, action, error
    }

    /// One event kept for the page.
    public struct Item: Sendable {
        /// What it is.
        public var kind: Kind
        /// Seconds after the session's start.
        public var start: Double
        /// Seconds after the session's start (≥ start).
        public var end: Double
        /// A short label (model, tool name, action type, error type, command line).
        public var label: String
        /// Its details, name and text.
        public var fields: [(String, String)]
        /// For an LLM call: the prompt's messages.
        public var prompt: [Conversation.Message] = []
        /// For an LLM call: the completion's messages.
        public var completion: [Conversation.Message] = []
    }

    /// The session folded.
    public var summary: SessionSummary
    /// Seconds the time axis spans: to the end, or to the last event of a session
    /// that has not ended.
    public var span: Double
    /// The events kept, by start.
    public var items: [Item] = []
    /// Events seen per kind (kept or not).
    public var seen: [Kind: Int] = [:]
    /// The output kept.
    public var log: OutputLogWindow
    /// Output lines per bin of the time axis, per stream (stdout, stderr).
    public var outputBins: [OutputLogWindow.Stream: [Int]] = [:]
    /// The per-model table.
    public var models = ModelUsageTable()
    /// Recorded texts that were cut short.
    public var textsCut = 0

    /// Events of `kind` left out.
    public func omitted(_ kind: Kind) -> Int { seen[kind, default: 0] - items.lazy.filter { $0.kind == kind }.count }

    /// Reads the session file at `path`, in one streaming pass.
    ///
    /// - Throws: `StoreError` when it cannot be read or holds no session.
    public static func load(path: String, prices: PriceTable, limits: Limits = Limits()) throws -> SessionReport {
        var collector: Collector?
        var last: Timestamp?
        let problems = try SessionLog.read(path: path) { record in
            if collector == nil, case let .start(session) = record {
                collector = Collector(summary: SessionSummary(session: session), limits: limits, prices: prices)
            }
            collector?.report.summary.apply(record)
            if case let .event(event) = record {
                collector?.add(event)
                if last.map({ event.endTimestamp > $0 }) ?? true { last = event.endTimestamp }
            }
        }
        guard let collector else { throw StoreError.noStartRecord(path: path) }
        var report = collector.report
        let start = report.summary.session.initTimestamp
        let end = report.summary.session.endTimestamp ?? max(last ?? start, start)
        report.span = max(start.seconds(until: end), 0.001)
        report.summary.problems = problems
        report.textsCut = collector.budget.cut
        report.outputBins = collector.histograms.mapValues { $0.rebinned(span: report.span, count: limits.outputBins) }
        report.items.sort { $0.start < $1.start }
        return report
    }

    /// Folds events into a report, within its limits.
    private struct Collector {
        var report: SessionReport
        let limits: Limits
        let prices: PriceTable
        var budget: TextBudget
        var kept: [Kind: Int] = [:]
        var histograms: [OutputLogWindow.Stream: TimeHistogram] = [.stdout: TimeHistogram(), .stderr: TimeHistogram()]

        init(summary: SessionSummary, limits: Limits, prices: PriceTable) {
            report = SessionReport(summary: summary, span: 0, log: limits.log)
            self.limits = limits
            self.prices = prices
            budget = TextBudget(bytes: limits.textBytes, perText: limits.fieldCharacters)
        }

        mutating func add(_ event: Event) {
            let prices = self.prices
            let origin = report.summary.session.initTimestamp
            let start = origin.seconds(until: event.initTimestamp)
            let end = max(origin.seconds(until: event.endTimestamp), start)
            // The specific fields are looked up where they lie; only LLM calls need the
            // whole event as JSON (for the model table and pricing).
            let fields = event.fields
            func text(_ key: String) -> String? {
                guard let value = fields.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
                return value.stringValue ?? Conversation.jsonText(value)
            }
            switch event.type {
            case .llms:
                let json = event.json
                report.models.add(json)
                keep(.llm, start: start, end: end) { budget in
                    let tokens = LLMUsage.isUnknown(json) ? "usage unknown"
                        : "\(text("prompt_tokens") ?? "0") prompt → \(text("completion_tokens") ?? "0") "
                        + "completion" + (text("cached_tokens").map { " (\($0) cached)" } ?? "")
                    let cost = ModelUsageTable.cost(of: json, prices: prices).map { "$" + Cost.sdkFormat($0) }
                        ?? "unpriced"
                    var item = Item(kind: .llm, start: start, end: end, label: text("model") ?? "(no model)",
                                    fields: [("model", text("model") ?? "(no model)"), ("tokens", tokens),
                                             ("cost", cost)])
                    item.prompt = Conversation.messages(json["prompt"], role: "user").map {
                        .init(role: budget.take($0.role), text: budget.take($0.text))
                    }
                    item.completion = Conversation.messages(json["completion"], role: "assistant").map {
                        .init(role: budget.take($0.role), text: budget.take($0.text))
                    }
                    return item
                }
            case .tools:
                keep(.tool, start: start, end: end) { budget in
                    Item(kind: .tool, start: start, end: end, label: budget.take(text("name") ?? "(no name)"),
                         fields: ["name", "params", "returns", "logs"].compactMap { key in
                             text(key).map { (key, budget.take($0)) }
                         })
                }
            case .errors where text("error_type") == "stderr":
                addOutput(text("details") ?? text("logs") ?? "", stream: .stderr, start: start, end: end)
            case .errors:
                keep(.error, start: start, end: end) { budget in
                    Item(kind: .error, start: start, end: end, label: budget.take(text("error_type") ?? "error"),
                         fields: ["error_type", "code", "details", "logs", "trigger_event_type"].compactMap { key in
                             text(key).map { (key, budget.take($0)) }
                         })
                }
            case .actions, .apis:
                switch text("action_type") {
                case "stdout":
                    addOutput(text("logs") ?? "", stream: .stdout, start: start, end: end)
                case "capture_limit":
                    addOutput(text("logs") ?? "", stream: .marker, start: start, end: end)
                case "command":
                    keep(.command, start: start, end: end) { budget in
                        Item(kind: .command, start: start, end: end, label: budget.take(text("logs") ?? ""),
                             fields: [("command", budget.take(text("logs") ?? "")),
                                      ("outcome", budget.take(text("returns") ?? ""))])
                    }
                default:
                    keep(.action, start: start, end: end) { budget in
                        Item(kind: .action, start: start, end: end,
                             label: budget.take(text("action_type") ?? "action"),
                             fields: ["action_type", "logs", "params", "returns"].compactMap { key in
                                 text(key).map { (key, budget.take($0)) }
                             })
                    }
                }
            }
        }

        /// Keeps the item `make` builds while the kind has room; counts it either way.
        mutating func keep(_ kind: Kind, start: Double, end: Double, make: (inout TextBudget) -> Item) {
            report.seen[kind, default: 0] += 1
            guard kept[kind, default: 0] < limits.eventsPerKind else { return }
            kept[kind, default: 0] += 1
            report.items.append(make(&budget))
        }

        /// The lines of one output event, spread evenly over its span (a burst's
        /// lines were read between its start and end).
        mutating func addOutput(_ text: String, stream: OutputLogWindow.Stream, start: Double, end: Double) {
            // Split on bytes: a newline is one byte in UTF-8, and splitting Characters
            // would cost a grapheme break check per character of every line.
            let lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
            let step = lines.count > 1 ? (end - start) / Double(lines.count - 1) : 0
            for (index, line) in lines.enumerated() {
                let seconds = start + step * Double(index)
                if stream != .marker { histograms[stream]?.add(seconds) }
                report.log.add(.init(milliseconds: Int((seconds * 1000).rounded()), stream: stream,
                                     text: String(Substring(line))))
            }
        }
    }
}

/// A limit on the recorded text a report keeps: each text up to `perText`
/// characters while the budget lasts, then up to 200; a cut text says how much it lost.
public struct TextBudget: Sendable {
    /// Bytes left.
    public private(set) var remaining: Int
    /// Characters kept of one text while the budget lasts.
    public let perText: Int
    /// Texts cut so far.
    public private(set) var cut = 0

    /// A budget of `bytes`.
    public init(bytes: Int, perText: Int) {
        remaining = bytes
        self.perText = perText
    }

    /// `text`, cut to what the budget allows, with a note of what was left out.
    public mutating func take(_ text: String) -> String {
        let allowed = remaining > 0 ? perText : min(perText, 200)
        let scalars = text.unicodeScalars
        guard scalars.count > allowed else {
            remaining -= text.utf8.count
            return text
        }
        cut += 1
        let kept = String(String.UnicodeScalarView(scalars.prefix(allowed)))
        remaining -= kept.utf8.count
        return kept + " [report: \(scalars.count - allowed) characters left out]"
    }
}
