/// What one OTLP trace export adds to a session: the events made from its spans, the
/// end states its traces declare, the tags they carry, and the spans it could not use.
public struct SpanIngest: Sendable, Equatable {
    /// Events, one or more per span that maps to one (deterministic ids: a retried batch
    /// gives the same ids, so `Recorder.write(_:deduplicating:)` keeps one copy).
    public var events: [Event] = []
    /// End states declared by the traces, in arrival order (the session keeps the worst).
    public var declarations: [StoreRecord.DeclaredEnd] = []
    /// Tags the spans carry (`agentops.tags`), normalised.
    public var tags: [String] = []
    /// Spans refused: no valid trace or span id.
    public var rejectedSpans = 0
    /// LLM and tool spans refused: a token count that is no whole number or over
    /// `LLMNumbers.maxTokens`, or a cost that is no number or
    /// outside 0 to `LLMNumbers.maxCost`, however written (an int, a double, a numeric
    /// string, too big for 64 bits, infinite): the limits `agentops event` and the v2
    /// listener keep (a span said 9223372036854775807 prompt tokens, and the session cost
    /// $23 trillion: hostile passes, round 12).
    public var outOfRangeSpans = 0

    /// The records to append: events first, then tags, then declarations.
    public var records: [StoreRecord] {
        var records = events.map(StoreRecord.event)
        if !tags.isEmpty { records.append(.tagsAdded(tags)) }
        records += declarations.map(StoreRecord.declaredEnd)
        return records
    }
}

/// Folds OpenTelemetry spans into session events, the mapping of the design notes
/// (opentelemetry.md §7.1): tools, LLM calls, agents/tasks/workflows as actions, errors
/// from span status and exception events, and agentops session spans as `trace`
/// actions that also declare the end state and tags.
///
/// Pure: the listener decodes, this maps, the recorder writes.
public enum SpanEvents {
    /// The events, declarations and tags of `request` for `session`.
    ///
    /// - Parameters:
    ///   - arrival: the time used for spans that carry no start time.
    ///
    /// Spans map independently, so a big batch is mapped on every core, in order.
    public static func ingest(_ request: OTLPTraceRequest, session: SessionID, arrival: Timestamp) -> SpanIngest {
        let root = SessionTrace(session).rootSpanID
        let spans = request.resourceSpans.flatMap { $0.scopeSpans.flatMap(\.spans) }
        let parts = ParallelChunks.map(spans.count, minimumPerChunk: 128) { range in
            var part = SpanIngest()
            // A batch's spans mostly share a trace: its id's text is made once and shared.
            var trace = (id: OTLPTraceID.zero, hex: "")
            for span in spans[range] {
                guard !span.traceID.isZero, !span.spanID.isZero else {
                    part.rejectedSpans += 1
                    continue
                }
                if span.traceID != trace.id { trace = (span.traceID, span.traceID.hex) }
                let attributes = SpanAttributes(span.attributes)
                append(span, attributes, traceHex: trace.hex, session: session, arrival: arrival, sessionRoot: root,
                       to: &part)
                part.tags += Self.tags(attributes)
            }
            return part
        }
        var result = parts.count == 1 ? parts[0] : SpanIngest()
        if parts.count > 1 {
            result.events.reserveCapacity(parts.reduce(0) { $0 + $1.events.count })
            for part in parts {
                result.events += part.events
                result.declarations += part.declarations
                result.tags += part.tags
                result.rejectedSpans += part.rejectedSpans
                result.outOfRangeSpans += part.outOfRangeSpans
            }
        }
        result.tags = Tags.normalized(result.tags)
        return result
    }

    /// What a span is to the session, by the first marker that matches (§7.1).
    enum Role: Equatable {
        case session
        case tool
        case llm
        case action(String)
        case other
    }

    static func role(of a: SpanAttributes) -> Role {
        let kind = a.string("agentops.span.kind")?.lowercased()
        let operation = a.string("gen_ai.operation.name")?.lowercased()
        let traceloop = a.string("traceloop.span.kind")?.lowercased()
        let openinference = a.string("openinference.span.kind")?.uppercased()
        if kind == "session" { return .session }
        if kind == "tool" || operation == "execute_tool" || a.has("gen_ai.tool.name") || traceloop == "tool"
            || openinference == "TOOL" {
            return .tool
        }
        if kind == "llm"
            || a.has("gen_ai.request.model", "gen_ai.response.model", "gen_ai.system", "gen_ai.provider.name",
                     "llm.request.model", "llm.model_name", "gen_ai.request.type", "llm.request.type")
            || ["chat", "text_completion", "generate_content", "embeddings"].contains(operation ?? "")
            || openinference == "LLM" || openinference == "EMBEDDING" {
            return .llm
        }
        if let kind, ["agent", "task", "operation", "workflow", "guardrail", "chain", "text", "http", "unknown"]
            .contains(kind) {
            return .action(kind)
        }
        if let traceloop, ["workflow", "task", "agent"].contains(traceloop) { return .action(traceloop) }
        if let openinference, ["AGENT", "CHAIN", "RETRIEVER", "RERANKER", "GUARDRAIL"].contains(openinference) {
            return .action(openinference.lowercased())
        }
        if let operation, ["invoke_agent", "create_agent", "invoke_workflow"].contains(operation) {
            return .action(operation)
        }
        return .other
    }

    private static func append(_ span: OTLPSpan, _ a: SpanAttributes, traceHex: String, session: SessionID,
                               arrival: Timestamp, sessionRoot: OTLPSpanID, to result: inout SpanIngest) {
        let start = span.startTimeUnixNano == 0 ? arrival : timestamp(span.startTimeUnixNano)
        let end = span.endTimeUnixNano == 0 ? start : max(start, timestamp(span.endTimeUnixNano))
        let id = eventID(span)
        let ids: [(String, JSONValue)] = [
            ("trace_id", .string(traceHex)), ("span_id", .string(span.spanID.hex)),
            ("parent_span_id", .optionalString(span.parentSpanID?.hex)),
        ]
        let role = role(of: a)
        var made: Event?
        switch role {
        case .session:
            let state = a.string("agentops.session.end_state")
            made = Event(id: id, type: .actions, initTimestamp: start, endTimestamp: end, sessionID: session, fields: [
                ("agent_id", .null), ("action_type", .string("trace")),
                ("logs", .string(a.string("operation.name") ?? span.name.removingSuffix(".session"))),
                ("screenshot", .null), ("params", a.json("agentops.entity.input") ?? .null),
                ("returns", .optionalString(state)),
            ] + ids)
            if let declared = declaration(sessionState: state, a, span: span, at: end) {
                result.declarations.append(declared)
            }
        case .tool:
            guard let fields = toolFields(span, a) else {
                result.outOfRangeSpans += 1
                return
            }
            made = Event(id: id, type: .tools, initTimestamp: start, endTimestamp: end, sessionID: session,
                         fields: fields + ids)
        case .llm:
            // The provider's response id, when the span has it, names the call the same
            // way the LLM proxy does (`ProxyEventID`), so a call both record is one event.
            let callID = a.string("gen_ai.response.id").map(ProxyEventID.make(responseID:)) ?? id
            guard let fields = llmFields(span, a) else {
                result.outOfRangeSpans += 1
                return
            }
            made = Event(id: callID, type: .llms, initTimestamp: start, endTimestamp: end, sessionID: session,
                         fields: fields + ids)
        case let .action(type):
            let kind = a.string("agentops.span.kind") ?? type
            made = Event(id: id, type: .actions, initTimestamp: start, endTimestamp: end, sessionID: session, fields: [
                ("agent_id", .null), ("action_type", .string(type)),
                ("logs", .string(a.string("operation.name", "gen_ai.agent.name", "traceloop.entity.name")
                    ?? span.name)),
                ("screenshot", .null),
                ("params", a.json("agentops.\(kind).input", "agentops.entity.input", "traceloop.entity.input",
                                  "input.value") ?? .null),
                ("returns", a.json("agentops.\(kind).output", "agentops.entity.output", "traceloop.entity.output",
                                   "output.value") ?? .null),
            ] + ids)
        case .other:
            break
        }
        if let made { result.events.append(made) }
        // A generic agent's root span (no agentops kind) declares the end by its status.
        if role != .session, a["agentops.span.kind"] == nil,
           span.parentSpanID == nil || span.parentSpanID == sessionRoot,
           let declared = declaration(sessionState: nil, a, span: span, at: end) {
            result.declarations.append(declared)
        }
        result.events += errors(span, a, session: session, id: id, end: end, trigger: made, ids: ids)
    }

    /// The fields of a tool span's event; nil when its cost is outside the limits.
    private static func toolFields(_ span: OTLPSpan, _ a: SpanAttributes) -> [(String, JSONValue)]? {
        var name = a.string("gen_ai.tool.name", "tool.name", "operation.name", "traceloop.entity.name") ?? span.name
        name = name.removingSuffix(".tool")
        if name.hasPrefix("execute_tool ") { name = String(name.dropFirst("execute_tool ".count)) }
        var fields: [(String, JSONValue)] = [
            ("agent_id", .null), ("name", .string(name)), ("logs", .null),
            ("params", a.json("agentops.tool.input", "tool.parameters", "gen_ai.tool.call.arguments", "input.value",
                              "traceloop.entity.input") ?? .null),
            ("returns", a.json("agentops.tool.output", "tool.result", "gen_ai.tool.call.result", "output.value",
                               "traceloop.entity.output") ?? .null),
        ]
        // `@tool(cost=)`: the AgentOps server adds it to the trace's cost, and so does the
        // session summary.
        guard case let .within(cost) = spanCost(a) else { return nil }
        if let cost { fields.append(("cost", .number(SpanAttributes.text(cost)))) }
        return fields
    }

    /// The names of an LLM span's prompt, completion and cached token counts, first found
    /// first.
    static let promptTokenKeys = ["gen_ai.usage.prompt_tokens", "gen_ai.usage.input_tokens", "llm.usage.prompt_tokens",
                                  "llm.token_count.prompt"]
    static let completionTokenKeys = ["gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens",
                                      "llm.usage.completion_tokens", "llm.token_count.completion"]
    static let cachedTokenKeys = ["gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cache_read.input_tokens",
                                  "llm.token_count.prompt_details.cache_read"]

    /// A span's cost (`gen_ai.usage.total_cost`).
    private enum SpanCost {
        /// Within 0 to `LLMNumbers.maxCost`, or none (nil).
        case within(Double?)
        /// A number outside the limits (infinite and NaN too).
        case outOfRange
    }

    private static func spanCost(_ a: SpanAttributes) -> SpanCost {
        guard let value = a["gen_ai.usage.total_cost"], value != .empty else { return .within(nil) }
        // There but not a number ("0x10", "abc"): not the priced tokens' cost either.
        guard let cost = value.doubleValue else { return .outOfRange }
        return cost >= 0 && cost <= 1e9 ? .within(cost) : .outOfRange
    }

    /// The fields of an LLM span's event; nil when a token count or the cost is outside
    /// the limits of `LLMNumbers` (a negative count is taken as none, as before).
    private static func llmFields(_ span: OTLPSpan, _ a: SpanAttributes) -> [(String, JSONValue)]? {
        // Response model first: the dated name the provider billed (and the server prices).
        let model = a.string("gen_ai.response.model", "gen_ai.request.model", "llm.response.model_name",
                             "llm.model_name", "llm.response.model", "llm.request.model")
        // Any count over the limit, however written: a number too big for 64 bits has no
        // integer value, and was taken as no count at all. So was one that is there but
        // no whole number ("0x10", "abc", "0.5"): a call of 0 tokens, priced $0, where
        // its usage is not known (second hostile pass, round 13).
        let counts = promptTokenKeys + completionTokenKeys + cachedTokenKeys
        guard !counts.contains(where: { key in
            guard let value = a[key], value != .empty else { return false }
            return value.intValue.map { $0 < 0 || $0 > LLMNumbers.maxTokens } ?? true
        }) else { return nil }
        let prompt = a.int(promptTokenKeys) ?? 0
        let completion = a.int(completionTokenKeys) ?? 0
        let cached = a.int(cachedTokenKeys)
        // No cost on the span: null, and the price table prices the tokens, as for SDK events.
        guard case let .within(spanCost) = spanCost(a) else { return nil }
        let cost = spanCost.map { JSONValue.number(SpanAttributes.text($0)) }
        var fields: [(String, JSONValue)] = [
            ("agent_id", .null), ("thread_id", .null),
            ("prompt", promptJSON(a) ?? .null),
            ("completion", completionJSON(a) ?? .null),
            ("model", .optionalString(model)),
            ("prompt_tokens", .int(max(0, prompt))),
            ("completion_tokens", .int(max(0, completion))),
            ("cost", cost ?? .null),
        ]
        if let cached, cached > 0 { fields.append(("cached_tokens", .int(min(cached, max(0, prompt))))) }
        let request = a.pairs(withPrefix: "gen_ai.request.").filter { key, _ in key != "gen_ai.request.model" }
        fields.append(("params", request.isEmpty ? .null : .object(request.map {
            (String($0.0.dropFirst("gen_ai.request.".count)), SpanAttributes.json($0.1))
        })))
        let failed = span.status.code == OTLPStatus.Code.error && !span.status.message.isEmpty
        fields.append(("returns", failed ? .string(span.status.message) : .null))
        return fields
    }

    private static func promptJSON(_ a: SpanAttributes) -> JSONValue? {
        if let messages = messages(a, prefix: "gen_ai.prompt.", suffix: "") { return .object([("messages", messages)]) }
        if let parsed = a.json("gen_ai.input.messages") { return parsed }
        if let messages = messages(a, prefix: "llm.input_messages.", suffix: ".message") {
            return .object([("messages", messages)])
        }
        return a.json("input.value")
    }

    private static func completionJSON(_ a: SpanAttributes) -> JSONValue? {
        if case let .array(items)? = messages(a, prefix: "gen_ai.completion.", suffix: ""), let first = items.first {
            return first
        }
        if let parsed = a.json("gen_ai.output.messages") { return parsed }
        if case let .array(items)? = messages(a, prefix: "llm.output_messages.", suffix: ".message"),
           let first = items.first {
            return first
        }
        return a.json("output.value")
    }

    /// `[{"role":…,"content":…}…]` from flattened `<prefix>N<suffix>.role/.content`.
    ///
    /// The names are spelled into one buffer rather than as strings: two lookups per
    /// message and one past the last, on every LLM span.
    private static func messages(_ a: SpanAttributes, prefix: String, suffix: String) -> JSONValue? {
        var items: [JSONValue] = []
        var name = [UInt8]()
        name.reserveCapacity(prefix.utf8.count + suffix.utf8.count + 16)
        var index = 0
        while index < 10_000 {
            name.removeAll(keepingCapacity: true)
            name.append(contentsOf: prefix.utf8)
            appendDecimal(index, to: &name)
            name.append(contentsOf: suffix.utf8)
            let base = name.count
            name.append(contentsOf: ".role".utf8)
            let role = name.withUnsafeBytes { a[bytes: $0] }
            name.removeSubrange(base...)
            name.append(contentsOf: ".content".utf8)
            let content = name.withUnsafeBytes { a[bytes: $0] }
            if role == nil, content == nil { break }
            items.append(.object([("role", role.map { SpanAttributes.json($0) } ?? .null),
                                  ("content", content.map { SpanAttributes.json($0) } ?? .null)]))
            index += 1
        }
        return items.isEmpty ? nil : .array(items)
    }

    /// The decimal digits of `value` (not negative).
    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &bytes) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// One error per distinct `(type, message)` exception event (decorated spans record
    /// each failure twice), or one from the status when the span failed without any.
    private static func errors(_ span: OTLPSpan, _ a: SpanAttributes, session: SessionID, id: String,
                               end: Timestamp, trigger: Event?, ids: [(String, JSONValue)]) -> [Event] {
        var seen = Set<[String]>()
        var found: [(type: String?, message: String?, stack: String?, time: UInt64)] = []
        for event in span.events where event.name == "exception" {
            let type = event.attributes.string("exception.type"), message = event.attributes.string("exception.message")
            guard seen.insert([type ?? "\u{0}", message ?? "\u{0}"]).inserted else { continue }
            found.append((type, message, event.attributes.string("exception.stacktrace"), event.timeUnixNano))
        }
        if found.isEmpty, span.status.code == OTLPStatus.Code.error { found.append((nil, nil, nil, 0)) }
        let code = a.int("http.response.status_code", "http.status_code").map { JSONValue.string(String($0)) }
        var errors: [Event] = []
        for (index, item) in found.prefix(255).enumerated() {
            let time = item.time == 0 ? end : timestamp(item.time)
            let status = span.status.message.isEmpty ? nil : span.status.message
            errors.append(Event(
                id: derivedID(id, index: index + 1), type: .errors, initTimestamp: time, endTimestamp: time,
                sessionID: session, fields: [
                    ("agent_id", .null),
                    ("error_type", .string(item.type ?? a.string("error.type") ?? "span_error")),
                    ("code", code ?? .null),
                    ("details", .string(item.message ?? status ?? span.name)),
                    ("logs", .optionalString(item.stack)),
                    ("trigger_event_id", .optionalString(trigger?.id)),
                    ("trigger_event_type", .optionalString(trigger?.type.rawValue)),
                ] + ids))
        }
        return errors
    }

    /// The end a session span (`sessionState` given, or nil for a generic root span's
    /// status) declares, if any. "Shutdown" is the SDK's atexit end: nobody declared
    /// anything, so the exit decides.
    static func declaration(sessionState: String?, _ a: SpanAttributes, span: OTLPSpan,
                            at time: Timestamp) -> StoreRecord.DeclaredEnd? {
        let state: EndState
        if a["agentops.span.kind"] != nil {
            guard let text = sessionState?.trimmingSpaces().lowercased(), !text.isEmpty, text != "shutdown" else {
                return nil
            }
            switch text {
            case "success", "ok", "statuscode.ok", "completed": state = .success
            case "fail", "failure", "failed", "error", "statuscode.error": state = .fail
            default: state = .indeterminate
            }
        } else {
            switch span.status.code {
            case OTLPStatus.Code.error: state = .fail
            case OTLPStatus.Code.ok: state = .success
            default: return nil
            }
        }
        let reason = a.string("agentops.legacy.end_state_reason", "agentops.session.end_state_reason")
            ?? (span.status.message.isEmpty ? nil : span.status.message)
        return StoreRecord.DeclaredEnd(timestamp: time, state: state, reason: reason)
    }

    /// `agentops.tags`: an array of strings, or a string holding one (a JSON array or a
    /// comma list). Dict-style tags arrive as plain attributes and are not tags.
    static func tags(_ a: SpanAttributes) -> [String] {
        switch a["agentops.tags"] {
        case let .array(items)?: return items.compactMap(\.stringValue)
        case let .string(text)?:
            if case let .array(items)? = try? JSONParser.parse(text) { return items.compactMap(\.stringValue) }
            return [text]
        default: return []
        }
    }

    /// A span's event id: a UUID from `span_id ‖ trace_id[8..<16]` with the version nibble
    /// 8 and the RFC 4122 variant, so the same span always gives the same id.
    static func eventID(_ span: OTLPSpan) -> String {
        var high = span.spanID.value, low = span.traceID.low
        high = (high & ~0xF000) | 0x8000
        low = (low & ~(0xC0 << 56)) | (0x80 << 56)
        return uuidText(high, low)
    }

    /// The id of the `index`-th event derived from the span whose event id is `id`: the
    /// last byte XOR `index`.
    static func derivedID(_ id: String, index: Int) -> String {
        let hex = id.filter { $0 != "-" }
        guard let parsed = OTLPTraceID(hex: hex) else { return id }
        return uuidText(parsed.high, parsed.low ^ UInt64(index & 0xFF))
    }

    /// The 32 hex digits of `high ‖ low` as a UUID's text, written straight into it
    /// (one per event the listener folds).
    private static func uuidText(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            for half in 0..<2 {
                let value = half == 0 ? high : low
                for nibble in 0..<16 {
                    let position = half * 16 + nibble
                    if position == 8 || position == 12 || position == 16 || position == 20 {
                        out[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    out[index] = digits.utf8Start[Int((value >> UInt64(60 - nibble * 4)) & 0xF)]
                    index += 1
                }
            }
            return index
        }
    }

    /// Nanoseconds since the epoch as a session timestamp (microseconds).
    static func timestamp(_ nanoseconds: UInt64) -> Timestamp {
        Timestamp(microseconds: Int64(clamping: nanoseconds / 1000))
    }
}

extension String {
    fileprivate func removingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) && count > suffix.count ? String(dropLast(suffix.count)) : self
    }
}
