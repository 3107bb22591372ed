import Foundation

/// A session's events turned into OTLP spans, one event at a time (opentelemetry.md
/// §7.2): the stateful half of `OTLPTraceMapping`.
///
/// * LLM calls, tools, actions and API calls become children of the session's root
///   span; an error becomes its trigger's ERROR status and `exception` event while that
///   span is still pending, else an `error <type>` span of its own.
/// * Captured output (`stdout` actions, `stderr` errors, capture-limit markers) becomes
///   events of the root span, not spans: stderr is not a failure.
/// * Span ids are the first 8 bytes of the event UUID, so exporting twice gives the same
///   trace; events ingested from the agent's own spans keep their `span_id` and
///   `parent_span_id`, so the agent's tree hangs under the session.
///
/// Memory stays bounded: spans leave through `takePending()` in batches, and the root
/// keeps at most `maxRootEvents` output events (the rest are counted as dropped).
public struct OTLPSessionSpans {
    /// Output events kept on the root span; OTel SDKs keep 128 by default.
    public static let maxRootEvents = 1_000
    /// And at most about this many bytes of their text.
    public static let maxRootEventBytes = 1 << 20
    /// Span names longer than this are cut (an action's name is its text).
    static let maxNameLength = 200
    /// `flags`: "has is-remote" set, and not remote (§7.2).
    static let flags: UInt32 = 0x100

    /// The session's trace and root span ids.
    public let trace: SessionTrace
    private let prices: PriceTable
    /// Spans made and not yet taken, with their approximate protobuf size.
    public private(set) var pending: [OTLPSpan] = []
    public private(set) var pendingBytes = 0
    /// Where the span of a pending event is, for the errors that name it.
    private var pendingIndex: [String: Int] = [:]
    /// Every span id made so far, so an error span is only parented to a real span.
    private var made = SpanIDSet()
    private var rootEvents: [OTLPSpan.Event] = []
    private var rootEventBytes = 0
    private var droppedRootEvents: UInt32 = 0
    private var priceCache: [String: (input: Double, output: Double, cachedInput: Double)?] = [:]
    /// The latest time any event ends, for the root of a session that has not ended.
    private var latest: Timestamp?

    /// An empty mapping for `session`, pricing LLM calls without a cost at `prices`.
    public init(session: SessionID, prices: PriceTable) {
        trace = SessionTrace(session)
        self.prices = prices
        made.insert(trace.rootSpanID.value)
    }

    /// Whether the pending spans make a full batch (`OTLPTraceMapping.maxBatchSpans`
    /// spans or `maxBatchBytes` bytes).
    public var isBatchFull: Bool {
        pending.count >= OTLPTraceMapping.maxBatchSpans || pendingBytes >= OTLPTraceMapping.maxBatchBytes
    }

    /// The pending spans, leaving none.
    public mutating func takePending() -> [OTLPSpan] {
        defer {
            pending = []
            pendingBytes = 0
            pendingIndex = [:]
        }
        return pending
    }

    /// Maps one event.
    public mutating func add(_ event: Event) {
        latest = max(latest ?? event.endTimestamp, event.endTimestamp)
        let fields = Fields(event.fields)
        switch event.type {
        case .llms:
            append(llmSpan(event, fields), for: event.id)
        case .tools:
            append(toolSpan(event, fields), for: event.id)
        case .actions:
            let type = fields.text("action_type") ?? "action"
            if type == "stdout" || type == "capture_limit" {
                addRootEvent(name: type, text: fields.text("logs") ?? "", at: event.initTimestamp)
            } else {
                append(actionSpan(event, fields, type: type), for: event.id)
            }
        case .apis:
            append(apiSpan(event, fields), for: event.id)
        case .errors:
            addError(event, fields)
        }
    }

    /// The root span of the session as `summary` has it: its end state as the status,
    /// the captured output as events. A session that has not ended ends, here, at its
    /// last event, with the status left unset.
    public func root(_ summary: SessionSummary) -> OTLPSpan {
        let session = summary.session
        let start = nanoseconds(session.initTimestamp)
        let end = max(start, nanoseconds(session.endTimestamp ?? latest ?? session.initTimestamp))
        let commandLine = session.commandLine
        var attributes: [OTLPKeyValue] = [
            OTLPKeyValue("agentops.span.kind", .string("session")),
            OTLPKeyValue("operation.name", .string(commandLine)),
        ]
        var status = OTLPStatus()
        if let ended = summary.end {
            attributes.append(OTLPKeyValue("agentops.session.end_state", .string(ended.state.rawValue)))
            if !ended.reason.isEmpty {
                attributes.append(OTLPKeyValue("agentops.session.end_state_reason", .string(ended.reason)))
            }
            switch ended.state {
            case .success: status = OTLPStatus(code: OTLPStatus.Code.ok)
            case .fail:
                status = OTLPStatus(code: OTLPStatus.Code.error,
                                    message: ended.reason.isEmpty ? "Fail" : "Fail: \(ended.reason)")
            case .indeterminate: break
            }
        }
        attributes.append(OTLPKeyValue("agentops.tags", .array(session.tags.map { .string($0) })))
        if let code = summary.end?.exitCode { attributes.append(OTLPKeyValue("process.exit.code", .int(Int64(code)))) }
        if let signal = summary.end?.signal { attributes.append(OTLPKeyValue("agentops_run.signal", .string(signal))) }
        attributes.append(OTLPKeyValue("process.command_line", .string(commandLine)))
        attributes.append(OTLPKeyValue("agentops.session.id", .string(session.id.value)))
        // OpenInference: without a kind Phoenix shows the session as UNKNOWN, and its trace
        // list shows a root span's input and output.
        attributes.append(OTLPKeyValue("openinference.span.kind", .string("AGENT")))
        attributes.append(OTLPKeyValue("input.value", .string(commandLine)))
        if let reason = summary.end?.reason, !reason.isEmpty {
            attributes.append(OTLPKeyValue("output.value", .string(reason)))
        }
        return OTLPSpan(traceID: trace.traceID, spanID: trace.rootSpanID, name: Self.name("agentops-run " + commandLine),
                        kind: OTLPSpan.Kind.internal, startTimeUnixNano: start, endTimeUnixNano: end,
                        attributes: attributes, events: rootEvents, droppedEventsCount: droppedRootEvents,
                        status: status, flags: Self.flags)
    }

    // MARK: - Events to spans

    /// A cost an event carries, as a double (the attribute's type); nil when absent or
    /// outside the limits `LLMNumbers` enforces.
    static func recordedCost(_ value: JSONValue?) -> Double? {
        guard case let .number(text)? = value, let amount = Double(text), amount.isFinite, amount >= 0,
              amount <= 1e9 else { return Cost.parse(value).map { NSDecimalNumber(decimal: $0).doubleValue } }
        return amount
    }

    /// Per-token prices as doubles, looked up once per model (the table's lenient
    /// matching costs more than a call's mapping).
    private mutating func price(of model: String) -> (input: Double, output: Double, cachedInput: Double)? {
        if let known = priceCache[model] { return known }
        let found = prices.price(of: model).map { entry -> (Double, Double, Double) in
            let price = entry.price
            func double(_ value: Decimal) -> Double { NSDecimalNumber(decimal: value).doubleValue }
            return (double(price.input), double(price.output), double(price.cachedInput ?? price.input))
        }
        priceCache[model] = .some(found)
        return found
    }

    private mutating func llmSpan(_ event: Event, _ fields: Fields) -> OTLPSpan {
        let model = fields.text("model")
        let requestModel = fields["params"]?["model"]?.stringValue ?? model
        let prompt = LLMNumbers.storedTokens(fields["prompt_tokens"])
        let completion = LLMNumbers.storedTokens(fields["completion_tokens"])
        let total = prompt.addingSaturated(completion)
        var cost = Self.recordedCost(fields["cost"])
        if cost == nil, let model, let price = price(of: model) {
            let cached = min(LLMNumbers.storedTokens(fields["cached_tokens"]), prompt)
            cost = Double(prompt - cached) * price.input + Double(cached) * price.cachedInput
                + Double(completion) * price.output
        }
        var a: [OTLPKeyValue] = []
        // About 30 for a call with a prompt and a completion: grown once, not five times.
        a.reserveCapacity(40)
        a += [
            OTLPKeyValue("agentops.span.kind", .string("llm")),
            OTLPKeyValue("gen_ai.operation.name", .string("chat")),
        ]
        if let system = fields.text("provider") { a.append(OTLPKeyValue("gen_ai.system", .string(system))) }
        if let requestModel { a.append(OTLPKeyValue("gen_ai.request.model", .string(requestModel))) }
        if let model { a.append(OTLPKeyValue("gen_ai.response.model", .string(model))) }
        a += [
            OTLPKeyValue("gen_ai.usage.prompt_tokens", .int(Int64(prompt))),
            OTLPKeyValue("gen_ai.usage.completion_tokens", .int(Int64(completion))),
            OTLPKeyValue("gen_ai.usage.input_tokens", .int(Int64(prompt))),
            OTLPKeyValue("gen_ai.usage.output_tokens", .int(Int64(completion))),
            OTLPKeyValue("gen_ai.usage.total_tokens", .int(Int64(total))),
        ]
        if let cost { a.append(OTLPKeyValue("gen_ai.usage.total_cost", .double(cost))) }
        Self.messages(fields["prompt"], keys: .prompt, defaultRole: "user", into: &a)
        Self.messages(fields["completion"], keys: .completion, defaultRole: "assistant", into: &a)
        // OpenInference, which Arize Phoenix reads. Phoenix does not read the old
        // `gen_ai.prompt.N` names: the messages go again under its own, and the last
        // completion as `output.value` (else Phoenix makes one of `gen_ai.response.model`).
        a.append(OTLPKeyValue("openinference.span.kind", .string("LLM")))
        if let model { a.append(OTLPKeyValue("llm.model_name", .string(model))) }
        if let system = fields.text("provider")?.lowercased() {
            a.append(OTLPKeyValue("llm.provider", .string(system)))
            a.append(OTLPKeyValue("llm.system", .string(system)))
        }
        a += [
            OTLPKeyValue("llm.token_count.prompt", .int(Int64(prompt))),
            OTLPKeyValue("llm.token_count.completion", .int(Int64(completion))),
            OTLPKeyValue("llm.token_count.total", .int(Int64(total))),
        ]
        Self.openInferenceMessages(fields["prompt"], keys: .inputMessages, defaultRole: "user", into: &a)
        let answer = Self.openInferenceMessages(fields["completion"], keys: .outputMessages,
                                                defaultRole: "assistant", into: &a)
        if let answer { a.append(OTLPKeyValue("output.value", .string(answer))) }
        a.append(OTLPKeyValue("agentops_run.event_id", .string(event.id)))
        var call = span(event, fields, name: model.map { "chat \($0)" } ?? "chat", kind: OTLPSpan.Kind.client,
                        attributes: a)
        // A recorded call is one that answered: OK, as the AgentOps SDK sends it (and the
        // golden export has it); an error naming the call turns it to ERROR.
        call.status = OTLPStatus(code: OTLPStatus.Code.ok)
        return call
    }

    private func toolSpan(_ event: Event, _ fields: Fields) -> OTLPSpan {
        let name = fields.text("name") ?? "tool"
        var a: [OTLPKeyValue] = []
        a.reserveCapacity(14)
        a += [
            OTLPKeyValue("agentops.span.kind", .string("tool")),
            OTLPKeyValue("operation.name", .string(name)),
            OTLPKeyValue("gen_ai.operation.name", .string("execute_tool")),
            OTLPKeyValue("gen_ai.tool.name", .string(name)),
            OTLPKeyValue("tool.name", .string(name)),
        ]
        if let input = fields.text("params") {
            a.append(OTLPKeyValue("agentops.tool.input", .string(input)))
            a.append(OTLPKeyValue("tool.parameters", .string(input)))
        }
        if let output = fields.text("returns") {
            a.append(OTLPKeyValue("agentops.tool.output", .string(output)))
            a.append(OTLPKeyValue("tool.result", .string(output)))
        }
        a.append(OTLPKeyValue("openinference.span.kind", .string("TOOL")))
        // Phoenix shows a span's input and output from these, a tool's too.
        if let input = fields.text("params") { a.append(OTLPKeyValue("input.value", .string(input))) }
        if let output = fields.text("returns") { a.append(OTLPKeyValue("output.value", .string(output))) }
        a.append(OTLPKeyValue("agentops_run.event_id", .string(event.id)))
        return span(event, fields, name: "\(name).tool", kind: OTLPSpan.Kind.internal, attributes: a)
    }

    /// The span kinds AgentOps knows; other action types are "operation"s.
    private static let agentOpsKinds: Set<String> = ["session", "agent", "operation", "task", "workflow", "tool",
                                                     "llm", "guardrail", "chain"]

    /// Phoenix's kinds for the action types that have one of their own; other actions are
    /// steps of the agent (CHAIN), not UNKNOWN.
    private static let openInferenceKinds = ["agent": "AGENT", "guardrail": "GUARDRAIL"]

    private func actionSpan(_ event: Event, _ fields: Fields, type: String) -> OTLPSpan {
        let logs = fields.text("logs") ?? ""
        var a: [OTLPKeyValue] = [
            OTLPKeyValue("agentops.span.kind", .string(Self.agentOpsKinds.contains(type) ? type : "operation")),
            OTLPKeyValue("agentops.action.type", .string(type)),
        ]
        if !logs.isEmpty { a.append(OTLPKeyValue("operation.name", .string(logs))) }
        if let input = fields.text("params") { a.append(OTLPKeyValue("agentops.entity.input", .string(input))) }
        if let output = fields.text("returns") { a.append(OTLPKeyValue("agentops.entity.output", .string(output))) }
        a.append(OTLPKeyValue("openinference.span.kind", .string(Self.openInferenceKinds[type] ?? "CHAIN")))
        a.append(OTLPKeyValue("agentops_run.event_id", .string(event.id)))
        let line = logs.prefix { $0 != "\n" }
        return span(event, fields, name: line.isEmpty ? type : "\(line).\(type)", kind: OTLPSpan.Kind.internal,
                    attributes: a)
    }

    private func apiSpan(_ event: Event, _ fields: Fields) -> OTLPSpan {
        let method = fields.text("http_method") ?? "HTTP"
        var a: [OTLPKeyValue] = [
            OTLPKeyValue("agentops.span.kind", .string("operation")),
            OTLPKeyValue("http.request.method", .string(method)),
        ]
        if let url = fields.text("url") { a.append(OTLPKeyValue("url.full", .string(url))) }
        if let code = fields["code"]?.intValue { a.append(OTLPKeyValue("http.response.status_code", .int(Int64(code)))) }
        a.append(OTLPKeyValue("agentops_run.event_id", .string(event.id)))
        return span(event, fields, name: "\(method) \(fields.text("name") ?? "api")", kind: OTLPSpan.Kind.client,
                    attributes: a)
    }

    private mutating func addError(_ event: Event, _ fields: Fields) {
        let type = fields.text("error_type") ?? "error"
        let details = fields.text("details")
        if type == "stderr" {
            addRootEvent(name: "stderr", text: details ?? "", at: event.initTimestamp)
            return
        }
        var attributes = [OTLPKeyValue("exception.type", .string(type))]
        if let details { attributes.append(OTLPKeyValue("exception.message", .string(details))) }
        if let logs = fields.text("logs") { attributes.append(OTLPKeyValue("exception.stacktrace", .string(logs))) }
        let exception = OTLPSpan.Event(timeUnixNano: nanoseconds(event.initTimestamp), name: "exception",
                                       attributes: attributes)
        let status = OTLPStatus(code: OTLPStatus.Code.error, message: details.map { "\(type): \($0)" } ?? type)
        let trigger = fields.text("trigger_event_id")
        if let trigger, let index = pendingIndex[trigger] {
            pending[index].status = status
            pending[index].events.append(exception)
            pendingBytes += Self.size(exception.attributes) + 32
            return
        }
        // The trigger's span left in an earlier batch (or there is none): a span of its own.
        let triggerSpan = fields.spanID("span_id") ?? trigger.flatMap(Self.spanID(eventID:))
        let parent = triggerSpan.flatMap { made.contains($0.value) ? $0 : nil } ?? trace.rootSpanID
        var error = span(event, fields, name: "error \(type)", kind: OTLPSpan.Kind.internal,
                         attributes: [OTLPKeyValue("agentops.span.kind", .string("error")),
                                      OTLPKeyValue("agentops_run.event_id", .string(event.id))],
                         id: made.contains(Self.spanID(eventID: event.id).value)
                            ? Self.hashedSpanID(event.id) : Self.spanID(eventID: event.id), parent: parent)
        error.events = [exception]
        error.status = status
        append(error, for: event.id)
    }

    // MARK: - Helpers

    /// A child span of `event`: its own span id (or the one it was ingested with), its
    /// parent (the ingested one, else the root), its times.
    private func span(_ event: Event, _ fields: Fields, name: String, kind: Int, attributes: [OTLPKeyValue],
                      id: OTLPSpanID? = nil, parent: OTLPSpanID? = nil) -> OTLPSpan {
        let start = nanoseconds(event.initTimestamp)
        let ingested = id == nil ? fields.spanID("span_id") : nil
        var spanID = id ?? ingested ?? Self.spanID(eventID: event.id)
        if id == nil, ingested == nil, made.contains(spanID.value) {
            // UUIDs that share their first 8 bytes (time-ordered ones, hand-made ones) would
            // give two spans one id: the second takes a hash of its whole id instead.
            spanID = Self.hashedSpanID(event.id)
        }
        var parentID = parent ?? fields.spanID("parent_span_id") ?? trace.rootSpanID
        if parentID == spanID { parentID = trace.rootSpanID }
        return OTLPSpan(traceID: trace.traceID, spanID: spanID, parentSpanID: parentID, name: Self.name(name),
                        kind: kind, startTimeUnixNano: start,
                        endTimeUnixNano: max(start, nanoseconds(event.endTimestamp)), attributes: attributes,
                        flags: Self.flags)
    }

    private mutating func append(_ span: OTLPSpan, for eventID: String) {
        pendingIndex[eventID] = pending.count
        pending.append(span)
        pendingBytes += Self.size(span.attributes) + span.name.utf8.count + 80
        made.insert(span.spanID.value)
    }

    private mutating func addRootEvent(name: String, text: String, at time: Timestamp) {
        let bytes = text.utf8.count + 40
        guard rootEvents.count < Self.maxRootEvents, rootEventBytes + bytes <= Self.maxRootEventBytes else {
            droppedRootEvents &+= 1
            return
        }
        rootEventBytes += bytes
        rootEvents.append(OTLPSpan.Event(timeUnixNano: nanoseconds(time), name: name,
                                         attributes: [OTLPKeyValue("logs", .string(text))]))
    }

    /// `gen_ai.prompt.N.role` / `.content` from an SDK prompt or completion: a string, a
    /// message, a list of messages, or `{"messages": …}`.
    static func messages(_ value: JSONValue?, keys: MessageKeys, defaultRole: String, into a: inout [OTLPKeyValue]) {
        for (index, message) in roles(value, defaultRole: defaultRole).enumerated() {
            a.append(OTLPKeyValue(keys.role(index), .string(message.role)))
            if let content = message.content {
                a.append(OTLPKeyValue(keys.content(index), .string(content)))
            }
        }
    }

    /// The attribute names of the messages of a prompt or completion (`<prefix>.N.role`
    /// and `.content`), made once for the first few: an LLM span has eight of them,
    /// and interpolating each was a tenth of its mapping.
    struct MessageKeys {
        let prefix: String
        let middle: String
        private let first: [(role: String, content: String)]

        init(_ prefix: String, middle: String = "") {
            self.prefix = prefix
            self.middle = middle
            first = (0..<16).map { ("\(prefix).\($0)\(middle).role", "\(prefix).\($0)\(middle).content") }
        }

        func role(_ index: Int) -> String {
            index < first.count ? first[index].role : "\(prefix).\(index)\(middle).role"
        }

        func content(_ index: Int) -> String {
            index < first.count ? first[index].content : "\(prefix).\(index)\(middle).content"
        }

        static let prompt = MessageKeys("gen_ai.prompt")
        static let completion = MessageKeys("gen_ai.completion")
        static let inputMessages = MessageKeys("llm.input_messages", middle: ".message")
        static let outputMessages = MessageKeys("llm.output_messages", middle: ".message")
    }

    /// The same messages under OpenInference's names (`llm.input_messages.N.message.role`
    /// / `.content`), the ones Phoenix shows an LLM call's conversation from.
    ///
    /// - Returns: the last message's content (for `output.value`).
    @discardableResult
    static func openInferenceMessages(_ value: JSONValue?, keys: MessageKeys, defaultRole: String,
                                      into a: inout [OTLPKeyValue]) -> String? {
        var last: String?
        for (index, message) in roles(value, defaultRole: defaultRole).enumerated() {
            a.append(OTLPKeyValue(keys.role(index), .string(message.role)))
            if let content = message.content {
                a.append(OTLPKeyValue(keys.content(index), .string(content)))
            }
            last = message.content
        }
        return last
    }

    /// The messages of an SDK prompt or completion as roles and contents.
    static func roles(_ value: JSONValue?, defaultRole: String) -> [(role: String, content: String?)] {
        guard let value, value != .null else { return [] }
        let list: [JSONValue]
        switch value {
        case let .array(items): list = items
        case .object where value["messages"] != nil:
            list = value["messages"]?.arrayValue ?? [value["messages"]!]
        default: list = [value]
        }
        return list.map { message in
            if case .object = message, message["role"] != nil || message["content"] != nil {
                return (message["role"]?.stringValue ?? defaultRole, message["content"].flatMap(Fields.text))
            }
            return (defaultRole, Fields.text(message))
        }
    }

    /// The first 8 bytes of a UUID event id; for an id that is not a UUID, a hash of it.
    static func spanID(eventID: String) -> OTLPSpanID {
        var value: UInt64 = 0
        var digits = 0
        for c in eventID.utf8 where c != UInt8(ascii: "-") {
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c &- UInt8(ascii: "A") &+ 10
            default: return hashedSpanID(eventID)
            }
            value = value << 4 | UInt64(nibble)
            digits += 1
            if digits == 16 { break }
        }
        return digits == 16 && value != 0 ? OTLPSpanID(value) : hashedSpanID(eventID)
    }

    /// A span id from a hash of the whole event id (FNV-1a, never zero).
    static func hashedSpanID(_ eventID: String) -> OTLPSpanID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in eventID.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return OTLPSpanID(hash == 0 ? 1 : hash)
    }

    static func name(_ text: String) -> String {
        // No more bytes than the limit is no more characters: the count of characters
        // (grapheme breaking) is only needed for a long name.
        text.utf8.count <= maxNameLength || text.count <= maxNameLength
            ? text : String(text.prefix(maxNameLength - 1)) + "…"
    }

    /// About the protobuf size of `attributes`, for cutting batches.
    static func size(_ attributes: [OTLPKeyValue]) -> Int { attributes.protobufSizeEstimate }
}

/// Nanoseconds since the epoch for OTLP (times before 1970 are held at 0).
func nanoseconds(_ time: Timestamp) -> UInt64 {
    let (product, overflow) = max(0, time.microseconds).multipliedReportingOverflow(by: 1000)
    return overflow ? UInt64(Int64.max) : UInt64(product)
}

/// An event's specific fields, looked up by name.
struct Fields {
    let pairs: [(String, JSONValue)]

    init(_ pairs: [(String, JSONValue)]) { self.pairs = pairs }

    subscript(name: String) -> JSONValue? {
        // Lengths first (O(1) for native strings): a span looks up a dozen names among a
        // dozen fields, and comparing strings was a twentieth of an export.
        let length = name.utf8.count
        return pairs.last { $0.0.utf8.count == length && $0.0 == name }?.1
    }

    /// The field as text: a string as it is, any other value but null as compact JSON.
    func text(_ name: String) -> String? { self[name].flatMap(Fields.text) }

    /// A hex span id field (as ingested spans carry), if valid.
    func spanID(_ name: String) -> OTLPSpanID? {
        self[name]?.stringValue.flatMap(OTLPSpanID.init(hex:)).flatMap { $0.isZero ? nil : $0 }
    }

    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case let .string(s): return s
        default: return String(decoding: JSONWriter.compact(value), as: UTF8.self)
        }
    }
}
