/// One request through the LLM proxy and what its response said: read as the bytes
/// pass, turned into the session's `llms` event at the end. Pure: the proxy's network
/// code feeds it, the tests feed it the providers' documented bodies.
public struct LLMExchange: Sendable {
    /// Prompt and completion are recorded up to this many bytes each (of their JSON).
    public static let recordedBytesLimit = 64 << 10
    /// A request body, and a non-streamed response body, is parsed up to this size;
    /// beyond it the body still passes through whole. Only the first 64 KiB of a prompt
    /// is recorded, and the parsed tree of a body takes several times its size (two
    /// 64 MiB requests took the proxy to 545 MB, the hostile pass of round 8).
    public static let parsedBodyLimit = 16 << 20

    /// The endpoints that produce tokens, recorded even when their usage is unknown.
    static let generationEndpoints = ["/chat/completions", "/completions", "/responses", "/embeddings", "/messages"]

    public let provider: LLMProvider
    /// The path after the provider's prefix, without the query (`/chat/completions`).
    public let endpoint: String
    /// The request's JSON, when it was JSON.
    public let request: JSONValue?
    /// Whether the client asked for a stream (`"stream": true`).
    public let stream: Bool
    /// Whether the proxy asked OpenAI for the usage chunk the client did not ask for;
    /// that chunk, and the `"usage":null` it adds to every chunk, are then taken out.
    public let injectsUsage: Bool

    /// What the response said so far.
    public private(set) var status = 0
    public private(set) var responseID: String?
    public private(set) var model: String?
    public private(set) var usage = LLMTokenUsage()
    private var completionText: [UInt8] = []
    private var completionObject: JSONValue?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    /// The request was over `parsedBodyLimit`, so not read (its model and prompt unknown).
    private let requestTooLarge: Bool
    private var sawStream = false

    /// An exchange for a request to `target` (the path after the provider's prefix,
    /// with its query) with `body`.
    public init(provider: LLMProvider, target: String, method: String, body: [UInt8]) {
        self.provider = provider
        endpoint = String(target.prefix { $0 != "?" })
        requestTooLarge = body.count > Self.parsedBodyLimit
        request = method == "POST" && !body.isEmpty && !requestTooLarge ? try? JSONParser.parse(body) : nil
        stream = request?["stream"] == .bool(true)
        injectsUsage = provider == .openai && stream && endpoint.hasSuffix("/chat/completions")
            && request?["stream_options"]?["include_usage"] == nil
    }

    /// The request body to send upstream: unchanged, except that an OpenAI chat
    /// stream that did not ask for usage does (`stream_options.include_usage`).
    public func upstreamBody(_ body: [UInt8]) -> [UInt8] {
        guard injectsUsage, case let .object(pairs)? = request else { return body }
        if request?["stream_options"] == nil, let open = body.firstIndex(where: { $0 != 0x20 && $0 != 0x0A
                                                                                && $0 != 0x0D && $0 != 0x09 }),
           body[open] == UInt8(ascii: "{") {
            // Inserted rather than re-encoded: everything else reaches the API as sent.
            let member = Array(#""stream_options":{"include_usage":true}"#.utf8) + (pairs.isEmpty ? [] : [0x2C])
            return Array(body[...open]) + member + Array(body[(open + 1)...])
        }
        let options: JSONValue
        if case let .object(existing)? = request?["stream_options"] {
            options = .object(existing + [("include_usage", .bool(true))])
        } else {
            options = .object([("include_usage", .bool(true))])
        }
        return JSONWriter.compact(.object(pairs.filter { $0.0 != "stream_options" } + [("stream_options", options)]))
    }

    /// Notes the response's status and whether it is an event stream.
    public mutating func begin(status: Int, contentType: String?) {
        self.status = status
        sawStream = contentType?.lowercased().hasPrefix("text/event-stream") ?? false
    }

    /// Whether the response body is read as server-sent events.
    public var isEventStream: Bool { sawStream }

    /// Reads the next bytes of a response that is not an event stream.
    public mutating func read(body bytes: some Collection<UInt8>) {
        guard !bodyTooLarge else { return }
        if body.count + bytes.count > Self.parsedBodyLimit {
            bodyTooLarge = true
            body = []
        } else {
            body.append(contentsOf: bytes)
        }
    }

    /// Takes what a response that was not streamed says, once its body is all in: its
    /// response id, model and usage (`responseID` is nil for such a body until then).
    public mutating func readBody() {
        if !sawStream, !body.isEmpty, let json = try? JSONParser.parse(body) {
            take(json, streamed: false)
            body = []
        }
    }

    /// Reads one event of a streamed response.
    ///
    /// - Returns: the bytes the client gets for it: the event itself, nothing for the
    ///   usage chunk the client did not ask for, or the chunk without the
    ///   `"usage":null` the proxy's request added.
    public mutating func read(event: SSEScanner.Event) -> [UInt8] {
        guard event.data != "[DONE]", let json = try? JSONParser.parse(event.data) else { return event.raw }
        take(json, streamed: true)
        guard injectsUsage, case .object = json else { return event.raw }
        if let usage = json["usage"], usage != .null, json["choices"]?.arrayValue?.isEmpty ?? false { return [] }
        if json["usage"] == .null { return Self.removingNullUsage(event.raw) }
        return event.raw
    }

    /// `raw` without its one `,"usage":null` (or `"usage":null,`); unchanged when
    /// there is not exactly one.
    static func removingNullUsage(_ raw: [UInt8]) -> [UInt8] {
        let needle = Array(#""usage":null"#.utf8)
        var hits: [Int] = []
        var index = 0
        while index + needle.count <= raw.count {
            if raw[index] == needle[0], raw[index..<(index + needle.count)].elementsEqual(needle) { hits.append(index) }
            index += 1
        }
        guard hits.count == 1, let hit = hits.first else { return raw }
        if hit > 0, raw[hit - 1] == UInt8(ascii: ",") { return Array(raw[..<(hit - 1)] + raw[(hit + needle.count)...]) }
        let after = hit + needle.count
        if after < raw.count, raw[after] == UInt8(ascii: ",") { return Array(raw[..<hit] + raw[(after + 1)...]) }
        return raw
    }

    /// Takes what one response object (or stream chunk) says: ids, model, usage, text.
    private mutating func take(_ json: JSONValue, streamed: Bool) {
        // The object itself, Anthropic's `message_start.message`, or OpenAI's
        // `response.completed.response`.
        let nested = [json, json["message"], json["response"]].compactMap { $0 }
        for object in nested {
            if responseID == nil, let id = object["id"]?.stringValue, !id.isEmpty { responseID = id }
            if let name = object["model"]?.stringValue, !name.isEmpty { model = name }
            if let found = LLMTokenUsage(object["usage"]) { usage = usage.merged(with: found) }
        }
        if streamed {
            if let choice = json["choices"]?.arrayValue?.first {
                appendText(choice["delta"]?["content"]?.stringValue ?? choice["text"]?.stringValue)
            }
            if json["type"]?.stringValue == "content_block_delta" { appendText(json["delta"]?["text"]?.stringValue) }
            if json["type"]?.stringValue == "response.output_text.delta" { appendText(json["delta"]?.stringValue) }
            return
        }
        if let choice = json["choices"]?.arrayValue?.first {
            if let message = choice["message"] { completionObject = message } else { appendText(choice["text"]?.stringValue) }
        }
        for block in json["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "text" {
            appendText(block["text"]?.stringValue)
        }
        for item in json["output"]?.arrayValue ?? [] {
            for part in item["content"]?.arrayValue ?? [] where part["type"]?.stringValue == "output_text" {
                appendText(part["text"]?.stringValue)
            }
        }
    }

    private mutating func appendText(_ text: String?) {
        guard let text, completionText.count <= Self.recordedBytesLimit else { return }
        completionText.append(contentsOf: text.utf8)
    }

    /// The event for this exchange, once the response ended: an `llms` event for a
    /// call with a usage block or to an endpoint that generates tokens, an `errors`
    /// event for an error status, nil for anything else (`GET /models`).
    ///
    /// - Parameters:
    ///   - complete: whether the response reached its end (false: cut off).
    ///   - overheadMicroseconds: the time the proxy itself added.
    ///   - occurrence: how many calls the proxy has seen answered with this response id,
    ///     this one included: from the second, the event's id is made from the id and
    ///     the count (`ProxyEventID.make(responseID:occurrence:)`).
    public mutating func event(session: SessionID, start: Timestamp, end: Timestamp, complete: Bool,
                               overheadMicroseconds: Int64, occurrence: Int = 1) -> Event? {
        readBody()
        let path = "\(provider.pathPrefix)\(endpoint)"
        if !(200..<300).contains(status) {
            guard status != 0 || !complete else { return nil }
            let details = status == 0 ? "no response from the upstream API" : "the upstream API answered \(status)"
            return Event(type: .errors, initTimestamp: start, endTimestamp: end, sessionID: session, fields: [
                ("agent_id", .null), ("error_type", .string("llm_api_error")),
                ("code", status == 0 ? .null : .string(String(status))),
                ("details", .string("\(path): \(details)")),
                ("logs", .null), ("trigger_event_id", .null), ("trigger_event_type", .null),
            ])
        }
        guard usage.isKnown || Self.generationEndpoints.contains(where: endpoint.hasSuffix) else { return nil }
        var note: String?
        if !usage.isKnown {
            note = bodyTooLarge ? "usage unknown: the response was over \(Self.parsedBodyLimit >> 20) MiB"
                : requestTooLarge ? "usage unknown: the request was over \(Self.parsedBodyLimit >> 20) MiB, not read"
                : !complete ? "usage unknown: the response was cut off"
                : "usage unknown: the response had no usage block"
        }
        let model = model ?? request?["model"]?.stringValue ?? "unknown"
        var params: [(String, JSONValue)] = [
            ("provider", .string(provider.rawValue)), ("endpoint", .string(path)), ("stream", .bool(stream)),
            ("status", .int(status)), ("response_id", .optionalString(responseID)),
            ("proxy_overhead_ms", .number(String(format3(overheadMicroseconds)))),
        ]
        if injectsUsage { params.append(("usage_requested_by_proxy", .bool(true))) }
        var fields: [(String, JSONValue)] = [
            ("agent_id", .null), ("thread_id", .null),
            ("prompt", prompt.map(Self.capped) ?? .null),
            ("completion", completion.map(Self.capped) ?? .null),
            ("model", .string(model)),
            ("prompt_tokens", usage.prompt.map { .int($0) } ?? .null),
            ("completion_tokens", usage.completion.map { .int($0) } ?? .null),
            // Null, as the SDK sends it: priced from the table, here and on the server.
            ("cost", .null),
        ]
        if let cached = usage.cached, cached > 0, cached <= usage.prompt ?? 0 { fields.append(("cached_tokens", .int(cached))) }
        fields += [("params", .object(params)), ("returns", .optionalString(note)),
                   ("response_id", .optionalString(responseID))]
        let id = responseID.map { ProxyEventID.make(responseID: $0, occurrence: occurrence) } ?? newEventID()
        return Event(id: id, type: .llms, initTimestamp: start, endTimestamp: end, sessionID: session, fields: fields)
    }

    /// The prompt as the request gave it: the messages (Anthropic's `system` first),
    /// else `input` (responses, embeddings) or `prompt` (completions).
    var prompt: JSONValue? {
        guard let request else { return nil }
        if case var .array(messages)? = request["messages"] {
            if let system = request["system"] { messages.insert(.object([("role", .string("system")),
                                                                         ("content", system)]), at: 0) }
            return .array(messages)
        }
        return request["input"] ?? request["prompt"]
    }

    /// The completion: OpenAI's message as returned, else the text as an assistant
    /// message; nil when there was none (embeddings).
    var completion: JSONValue? {
        if let completionObject { return completionObject }
        guard !completionText.isEmpty else { return nil }
        return .object([("role", .string("assistant")), ("content", .string(String(decoding: completionText,
                                                                                   as: UTF8.self)))])
    }

    /// `value`, or when its JSON is over `recordedBytesLimit`, the head of that JSON as
    /// text with a marker of how much was left out.
    static func capped(_ value: JSONValue) -> JSONValue {
        let text: [UInt8]
        if case let .string(whole) = value { text = Array(whole.utf8) } else { text = JSONWriter.compact(value) }
        guard text.count > recordedBytesLimit else { return value }
        var head = Array(text.prefix(recordedBytesLimit))
        // Never cut inside a UTF-8 sequence.
        while let last = head.last, last & 0xC0 == 0x80 { head.removeLast() }
        if let last = head.last, last >= 0xC0 { head.removeLast() }
        return .string(String(decoding: head, as: UTF8.self) + " … [\(text.count - head.count) bytes left out]")
    }

    private func format3(_ microseconds: Int64) -> String {
        let whole = microseconds / 1000, fraction = microseconds % 1000
        let digits = String(fraction)
        return "\(whole).\(String(repeating: "0", count: 3 - digits.count))\(digits)"
    }
}

/// The id of a proxy's `llms` event, derived from the provider's response id, so that
/// the same call seen again (a retried append, the SDK's own telemetry through the OTLP
/// ingest, which sees it as `gen_ai.response.id`) maps to the same event.
///
/// A server that answers several calls with one id (a mock, a gateway, a local server
/// that counts its ids from 0) made them one event: five calls of $12.50 recorded as
/// one, and `--max-cost 20` never stopped the command (hostile pass, round 13). The
/// proxy counts the calls it has seen answered with each id: from the second, the id is
/// made from the response id and that count.
public enum ProxyEventID {
    /// The id of the `occurrence`th call the proxy saw answered with `responseID`.
    public static func make(responseID: String, occurrence: Int) -> String {
        occurrence <= 1 ? make(responseID: responseID) : make(responseID: "\(responseID)\u{1F}\(occurrence)")
    }

    /// A UUID (version 8, RFC 9562's custom layout) from two 64-bit FNV-1a hashes of
    /// `responseID`, each through splitmix64's finalizer so near ids differ throughout; the ingest side, which sees only the response id, computes the same.
    public static func make(responseID: String) -> String {
        var bytes = withUnsafeBytes(of: fnv1a(responseID, basis: 0xcbf2_9ce4_8422_2325).bigEndian, Array.init)
            + withUnsafeBytes(of: fnv1a(responseID, basis: 0x6c62_272e_07bb_0142).bigEndian, Array.init)
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                     hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    private static func fnv1a(_ text: String, basis: UInt64) -> UInt64 {
        var hash = basis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
