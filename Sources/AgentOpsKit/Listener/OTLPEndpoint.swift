import Dispatch
import Synchronization

/// The OpenTelemetry side of the listener: OTLP/HTTP trace exports (any OTel SDK, and the
/// AgentOps SDK 0.4, which is OpenTelemetry) and the few AgentOps 0.4 calls around them.
///
/// - `POST /v1/traces`: `application/x-protobuf` or `application/json`, optionally
///   `Content-Encoding: gzip` or `deflate`. The spans are folded into the session
///   (`SpanEvents`) before the answer, which is OTLP's: the same content type back, an
///   empty `ExportTraceServiceResponse` on success, `partial_success` for spans refused,
///   400 for a body that does not decode, 413 for one that inflates past the limit, 415
///   for another content type or encoding.
/// - `POST /v1/metrics`, `/v1/logs`: 200 and nothing recorded, so that SDKs pointed at the
///   base endpoint do not log errors.
/// - `POST /v3/auth/token`: a token and the session id as `project_id` (the SDK needs both).
/// - `POST /v4/logs/upload/` (the SDK's copy of what the agent printed, already captured)
///   and `/v4/objects/upload/`: acknowledged.
///
/// None of them needs a key or token: the SDK sends its first batches before it has one,
/// and the listener only answers on 127.0.0.1.
final class OTLPEndpoint: HTTPHandler, Sendable {
    private let sessionID: SessionID
    private let recorder: Recorder
    private let limits: OTLPDecodeLimits
    private let maxInflatedBytes: Int
    private let seen = Mutex(Seen())

    private struct Seen {
        var authToken = false
        var traces = false
    }

    /// An endpoint recording into `recorder`'s session.
    ///
    /// - Parameter maxInflatedBytes: a compressed body that inflates past this is refused (413).
    init(sessionID: SessionID, recorder: Recorder, limits: OTLPDecodeLimits = .standard,
         maxInflatedBytes: Int = 16 << 20) {
        self.sessionID = sessionID
        self.recorder = recorder
        self.limits = limits
        self.maxInflatedBytes = maxInflatedBytes
    }

    static let tracesPath = "/v1/traces"
    private static let paths: Set<String> = [
        tracesPath, "/v1/metrics", "/v1/logs", "/v3/auth/token", "/v4/logs/upload", "/v4/objects/upload",
    ]

    /// Whether `path` is one of this endpoint's (a trailing slash is optional).
    static func serves(_ path: String) -> Bool { paths.contains(normalized(path)) }

    private static func normalized(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The AgentOps SDK 0.4 authenticated but sent no spans: with
    /// opentelemetry-exporter-otlp-proto-http 1.45 or later it cannot (it fails on every export).
    var sawAuthWithoutTraces: Bool { seen.withLock { $0.authToken && !$0.traces } }

    /// The most a body may have on the wire (before it is inflated); OTLP exporters send
    /// their batches without credentials (the SDK's first ones come before its token),
    /// so the connection is never trusted, and bodies count against the listener's budget.
    static let maxBodyBytes = 16 << 20

    func screen(_ head: HTTPRequestHead) -> HTTPScreening {
        guard head.method == "POST" else { return .answer(.error(405, path: head.path, message: "use POST")) }
        return .read(limit: Self.maxBodyBytes, trusted: false)
    }

    func respond(_ head: HTTPRequestHead, body slice: ArraySlice<UInt8>) -> HTTPResponse {
        let body = Array(slice)
        let path = Self.normalized(head.path)
        switch path {
        case Self.tracesPath: return traces(head, body: body)
        case "/v1/metrics", "/v1/logs":
            return Self.format(head) == .json
                ? HTTPResponse(status: 200, body: .object([]))
                : HTTPResponse(status: 200, contentType: OTLPFormat.protobuf.contentType, bytes: [])
        case "/v3/auth/token":
            seen.withLock { $0.authToken = true }
            return HTTPResponse(status: 200, body: .object([
                ("token", .string("agentops-run." + newEventID())), ("project_id", .string(sessionID.value)),
                ("project_prem_status", .string("pro")),
            ]))
        case "/v4/objects/upload":
            let size = (try? JSONParser.parse(body))?["body"]?.stringValue?.utf8.count ?? body.count
            return HTTPResponse(status: 200, body: .object([
                ("url", .string("http://127.0.0.1/agentops-run/objects/" + newEventID())), ("size", .int(size)),
            ]))
        default:
            return HTTPResponse(status: 200, body: .object([]))
        }
    }

    /// The two OTLP/HTTP encodings.
    enum OTLPFormat {
        case protobuf, json

        var contentType: String { self == .json ? "application/json" : "application/x-protobuf" }
    }

    private static func format(_ head: HTTPRequestHead) -> OTLPFormat? {
        let type = (head.header("content-type") ?? "").split(separator: ";").first
            .map { $0.trimmingSpaces().lowercased() } ?? ""
        switch type {
        case "application/x-protobuf", "application/protobuf": return .protobuf
        case "application/json": return .json
        default: return nil
        }
    }

    private func traces(_ head: HTTPRequestHead, body: [UInt8]) -> HTTPResponse {
        seen.withLock { $0.traces = true }
        guard let format = Self.format(head) else {
            return .error(415, path: head.path, message: "OTLP/HTTP takes application/x-protobuf or "
                + "application/json, not \(head.header("content-type") ?? "no Content-Type")")
        }
        let payload: [UInt8]
        switch ContentDecoding.decode(body, encoding: head.header("content-encoding"), limit: maxInflatedBytes) {
        case let .success(bytes): payload = bytes
        case let .failure(failure):
            return Self.failure(failure.status, failure.message, format: format, path: head.path)
        }
        let request: OTLPTraceRequest
        do {
            request = format == .json ? try OTLPTraceRequest(json: payload, limits: limits)
                : try OTLPTraceRequest(protobuf: payload, limits: limits)
        } catch {
            return Self.failure(400, "the OTLP body does not decode: \(error)", format: format, path: head.path)
        }
        let ingest = SpanEvents.ingest(request, session: sessionID, arrival: .now())
        // Fold fully before answering: an exporter that retries (408, 5xx, a lost answer)
        // sends the same span ids, which the recorder keeps once.
        let records = ingest.records
        let oversized = recorder.write(records, deduplicating: true)
        var response = OTLPTraceResponse()
        var messages: [String] = []
        var rejected = ingest.rejectedSpans
        if ingest.rejectedSpans > 0 { messages.append("spans without a valid trace_id and span_id") }
        if ingest.outOfRangeSpans > 0 {
            rejected += ingest.outOfRangeSpans
            messages.append("LLM or tool spans with a token count that is no whole number or over "
                + "\(LLMNumbers.maxTokens), or a cost that is no number or outside 0 to \(LLMNumbers.maxCost) USD")
        }
        if !oversized.isEmpty {
            let (spans, message) = Self.oversizedSpans(oversized, of: records)
            rejected += spans
            messages.append(message)
        }
        if rejected > 0 || !messages.isEmpty {
            response.partialSuccess = .init(rejectedSpans: Int64(rejected), errorMessage: messages.joined(separator: "; "))
        }
        Self.releaseElsewhere((consume request, consume ingest, consume records))
        return HTTPResponse(status: 200, contentType: format.contentType,
                            bytes: format == .json ? response.json : response.protobuf)
    }

    /// Drops `garbage` on a Dispatch worker rather than on the connection's thread: freeing
    /// a decoded batch (a few strings per attribute) is an eighth of that thread's work, and
    /// the exporter waits for the answer, not for the free.
    private static func releaseElsewhere<T: Sendable>(_ garbage: consuming T) {
        let held = consume garbage
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(held) {} }
    }

    /// The spans whose events were too large for the session log, counted once each (a
    /// span can make an event and its errors), and the message that names them.
    static func oversizedSpans(_ oversized: [OversizedRecord], of records: [StoreRecord]) -> (Int, String) {
        var spans: [String] = []
        var largest = 0
        for item in oversized {
            largest = max(largest, item.bytes)
            guard case let .event(event) = records[item.position],
                  let spanID = event.fields.first(where: { $0.0 == "span_id" })?.1.stringValue,
                  !spans.contains(spanID) else { continue }
            spans.append(spanID)
        }
        let named = spans.prefix(5).joined(separator: ", ") + (spans.count > 5 ? ", …" : "")
        let what = spans.isEmpty ? "\(oversized.count) records (tags or an end state)" : "spans \(named)"
        return (spans.count, "\(what) not recorded: an event of \(largest) bytes is over the "
            + "\(SessionLog.maxLineBytes) bytes a session log line may hold")
    }

    /// An OTLP failure in the request's encoding: a `google.rpc.Status` with its message.
    private static func failure(_ status: Int, _ message: String, format: OTLPFormat, path: String) -> HTTPResponse {
        guard format == .protobuf else { return .error(status, path: path, message: message) }
        var writer = ProtoWriter(capacity: 16 + message.utf8.count)
        writer.string(2, message)
        return HTTPResponse(status: status, contentType: format.contentType, bytes: writer.bytes)
    }
}
