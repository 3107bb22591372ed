import Foundation

/// The AgentOps v2 calls the Python SDK makes, answered on the loopback listener and
/// folded into the wrapper's session — whatever session id the SDK chose, so a plain
/// `agentops.init()` is captured as well as `inherited_session_id`.
///
/// - `create_session` / `reauthorize_jwt` (API key): a JWT for the SDK's session; its
///   tags join the wrapper session's tags.
/// - `create_events` (JWT or key): the events, re-addressed to the wrapper's session,
///   all or none; an LLM event's numbers within `LLMNumbers`' limits, else 400.
/// - `update_session` (JWT or key): tags join; an end (`end_timestamp` set) is recorded
///   as the child declaring its end state, which the wrapper combines with the exit
///   when it ends the session. The answer's `token_cost` is the session's cost so far,
///   priced locally, so the SDK's own closing line shows a real figure.
/// - `create_agent`: acknowledged.
///
/// Only the run's key and the JWTs handed out here are accepted, and only plain JSON
/// bodies: a `Content-Encoding` gets 415.
///
/// `@unchecked Sendable`: the issued tokens are guarded by `lock`; the rest is immutable.
final class SDKEndpoint: HTTPHandler, @unchecked Sendable {
    private let sessionID: SessionID
    private let key: String
    private let recorder: Recorder
    private let sessionPath: String
    private let prices: PriceTable
    private let lock = NSLock()
    /// JWT → the SDK session it was issued for.
    private var tokens: [String: String] = [:]

    init(sessionID: SessionID, key: String, recorder: Recorder, sessionPath: String, prices: PriceTable) {
        self.sessionID = sessionID
        self.key = key
        self.recorder = recorder
        self.sessionPath = sessionPath
        self.prices = prices
    }

    /// The largest `create_events` body read: a batch of the SDK's events, prompts and
    /// completions included (the SDK sends a batch every few seconds).
    static let maxEventsBodyBytes = 8 << 20
    /// The largest body of the other calls, which carry one small object.
    static let maxCallBodyBytes = 1 << 20

    /// The calls and whether each needs the API key itself (a JWT is not enough).
    private static let routes: [String: Bool] = [
        "/v2/create_session": true, "/v2/reauthorize_jwt": true,
        "/v2/create_events": false, "/v2/update_session": false, "/v2/create_agent": false,
    ]

    /// Every call needs the run's key or a JWT issued here before its body is read.
    func screen(_ head: HTTPRequestHead) -> HTTPScreening {
        let path = head.path
        guard let needsKey = Self.routes[path] else {
            return .answer(.error(404, path: path, message: "not an AgentOps call this listener serves"))
        }
        guard head.method == "POST" else { return .answer(.error(405, path: path, message: "use POST")) }
        let limit = path == "/v2/create_events" ? Self.maxEventsBodyBytes : Self.maxCallBodyBytes
        let keyed = head.header("x-agentops-api-key") == key
        guard keyed || (!needsKey && Self.bearer(head.header("authorization")).map(isIssued) == true) else {
            return .answer(.error(401, path: path, message: needsKey ? "Invalid API Key" : "Invalid or missing JWT"))
        }
        if let refusal = Self.unsupportedEncoding(head) { return .answer(refusal) }
        return .read(limit: limit, trusted: true)
    }

    /// A 415 for a body sent with a `Content-Encoding`: the SDK sends its JSON as it is
    /// (0.3's `HttpClient` sets none), so a compressed body is some other client, told
    /// what it did rather than that its bytes are not JSON (a 400 it cannot act on).
    /// Said before the body is read, once the caller showed the key.
    static func unsupportedEncoding(_ head: HTTPRequestHead) -> HTTPResponse? {
        // Every copy of the field, every coding in each: `identity, gzip` is compressed.
        let codings = head.headers.filter { $0.0 == "content-encoding" }
            .flatMap { $0.1.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
        guard let encoding = codings.first(where: { !$0.isEmpty && $0 != "identity" }) else { return nil }
        return .error(415, path: head.path, message: "Content-Encoding \(encoding) is not supported here: "
            + "the AgentOps v2 calls take their JSON body uncompressed")
    }

    func respond(_ head: HTTPRequestHead, body: ArraySlice<UInt8>) -> HTTPResponse {
        let path = head.path
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            return .error(400, path: path, message: "request body is not JSON: \(error)")
        }
        do {
            switch path {
            case "/v2/create_session": return try createSession(json)
            case "/v2/reauthorize_jwt": return try reauthorize(json)
            case "/v2/create_events": return try createEvents(json)
            case "/v2/update_session": return try updateSession(json)
            default: return try createAgent(json)
            }
        } catch {
            return .error(400, path: path, message: error.message)
        }
    }

    private struct Invalid: Error, Sendable {
        let message: String
    }

    private func createSession(_ json: JSONValue) throws(Invalid) -> HTTPResponse {
        let session = try sessionObject(json)
        guard let id = session["session_id"]?.stringValue, !id.isEmpty else {
            throw Invalid(message: "session.session_id is required")
        }
        try joinTags(session)
        return HTTPResponse(status: 200, body: .object([
            ("status", .string("Success")), ("jwt", .string(token(for: id))),
        ]))
    }

    private func reauthorize(_ json: JSONValue) throws(Invalid) -> HTTPResponse {
        guard let id = json["session_id"]?.stringValue, !id.isEmpty else {
            throw Invalid(message: "session_id is required")
        }
        return HTTPResponse(status: 200, body: .object([("status", .string("Success")), ("jwt", .string(token(for: id)))]))
    }

    private func createEvents(_ json: JSONValue) throws(Invalid) -> HTTPResponse {
        guard let list = json["events"]?.arrayValue else { throw Invalid(message: "events must be a list") }
        // Events are read independently: a big batch on every core. The first invalid
        // one (in the batch's order) refuses it.
        let session = sessionID
        let parts = ParallelChunks.map(list.count, minimumPerChunk: 128) { range -> Result<[StoreRecord], Invalid> in
            var events: [StoreRecord] = []
            events.reserveCapacity(range.count)
            for index in range {
                do throws(Invalid) {
                    events.append(.event(try Self.event(list[index], index: index, session: session)))
                } catch {
                    return .failure(error)
                }
            }
            return .success(events)
        }
        var events: [StoreRecord] = []
        events.reserveCapacity(list.count)
        for part in parts {
            switch part {
            case let .success(some): events += some
            case let .failure(invalid): throw invalid
            }
        }
        // The SDK retries a batch it saw no answer for: ids already recorded are left out.
        // All or none, as the API takes a batch: an event too large for the session log
        // refuses it, naming the event (the SDK logs the message).
        let oversized = recorder.write(events, deduplicating: true, oversize: .refuseAll)
        if let first = oversized.first {
            throw Invalid(message: "events[\(first.position)] is \(first.bytes) bytes as recorded, over the "
                + "\(SessionLog.maxLineBytes) bytes a session log line may hold: nothing of this batch was recorded")
        }
        return HTTPResponse(status: 200, body: .string("Success"))
    }

    /// The `index`-th event of a batch, re-addressed to `session`.
    private static func event(_ item: JSONValue, index: Int, session: SessionID) throws(Invalid) -> Event {
        guard case var .object(pairs) = item else { throw Invalid(message: "events[\(index)] is not an object") }
        // Re-addressed to the wrapper's session (the last `session_id` is the one read,
        // and all are left out of the fields); an event without an id gets one, as the
        // server gives it.
        pairs.append(("session_id", .string(session.value)))
        if !pairs.contains(where: { $0.0 == "id" }) { pairs.append(("id", .string(newEventID()))) }
        guard let event = Event(json: .object(pairs)) else {
            throw Invalid(message: "events[\(index)] needs a known event_type and an init_timestamp")
        }
        // The same limits as `agentops event llm`: no negative, absurd or
        // unrepresentable figure reaches the session.
        if event.type == .llms {
            do {
                try LLMNumbers.check(event: item)
            } catch {
                throw Invalid(message: "events[\(index)]: \(error)")
            }
        }
        return event
    }

    private func updateSession(_ json: JSONValue) throws(Invalid) -> HTTPResponse {
        let session = try sessionObject(json)
        var declared: StoreRecord.DeclaredEnd?
        if let endText = session["end_timestamp"]?.stringValue {
            guard let state = session["end_state"]?.stringValue.flatMap(EndState.init(rawValue:)) else {
                throw Invalid(message: "end_state must be Success, Fail or Indeterminate")
            }
            declared = StoreRecord.DeclaredEnd(timestamp: Timestamp(iso8601: endText) ?? .now(), state: state,
                                               reason: session["end_state_reason"]?.stringValue)
        }
        try joinTags(session)
        if let declared { recorder.write([.declaredEnd(declared)]) }
        let cost = (try? SessionLog.summary(path: sessionPath))?.cost(prices) ?? 0
        return HTTPResponse(status: 200, body: .object([
            ("status", .string("success")), ("token_cost", .string(Cost.exactText(cost))),
        ]))
    }

    private func createAgent(_ json: JSONValue) throws(Invalid) -> HTTPResponse {
        guard json["id"]?.stringValue != nil else { throw Invalid(message: "id is required") }
        return HTTPResponse(status: 200, body: .string("Success"))
    }

    private func sessionObject(_ json: JSONValue) throws(Invalid) -> JSONValue {
        guard let session = json["session"], case .object = session else {
            throw Invalid(message: "session must be an object")
        }
        return session
    }

    /// Adds the SDK session's tags to the wrapper session's (the wrapper's stay first):
    /// an added-tags record, so no concurrent writer's tags are lost.
    private func joinTags(_ session: JSONValue) throws(Invalid) {
        guard let value = session["tags"], !value.isNull else { return }
        guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
            throw Invalid(message: "tags must be a list of strings")
        }
        let tags = Tags.normalized(list.compactMap(\.stringValue))
        if !tags.isEmpty { recorder.write([.tagsAdded(tags)]) }
    }

    private func token(for sdkSession: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let existing = tokens.first(where: { $0.value == sdkSession })?.key { return existing }
        let token = "agentops-run." + newEventID()
        tokens[token] = sdkSession
        return token
    }

    private func isIssued(_ token: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return tokens[token] != nil
    }

    private static func bearer(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}
