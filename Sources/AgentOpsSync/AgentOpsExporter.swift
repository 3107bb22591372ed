import AgentOpsKit
import Foundation

/// The AgentOps v2 API as an exporter of session logs: it sends a session as the SDK
/// does on the wire: `create_session`, events in batches to `create_events`, and
/// `update_session` for tag changes, a declared end and the end.
///
/// It moves its cursor (`SyncState`, `ID.sync`) only after an acknowledgement, so
/// stopping at any point — a dead backend, a deadline, a kill — loses nothing: the next
/// export resumes there. Event ids make a batch sent twice (acknowledged, but the
/// cursor not yet saved) harmless.
public final class AgentOpsExporter: SessionExporter {
    /// At most this many events per `create_events` call (as the SDK).
    public static let maxBatchEvents = 25
    /// And at most about this many bytes of JSON.
    public static let maxBatchBytes = 1 << 20

    public let name = SyncState.exporter
    public var acknowledgedOffset: Int { state.offset }
    /// Events acknowledged by this exporter.
    public private(set) var eventsSent = 0
    /// The API's `token_cost` for the session, when it answered one.
    public var tokenCost: JSONValue? { state.tokenCost }
    /// The end state this exporter gave a session that had none (`AbandonedSession`),
    /// once the API acknowledged it.
    public private(set) var closedAs: EndState?

    private let store: LocalStore
    private let id: SessionID
    private let client: APIClient
    private let deadline: ExportDeadline
    private let requestTimeout: Double
    private var state: SyncState
    private var batch = Batch()
    /// The last reason something could not be sent, for the error that stops the export.
    private var problem: String?
    /// The session as of the records taken so far: what create_session and
    /// update_session send.
    private var summary: SessionSummary?
    private var handedOver: Bool
    /// The end to give a session that has none and never will (`AbandonedSession`).
    private let closing: AbandonedSession.Closing?

    /// Why the export stopped.
    struct Stop: Error, CustomStringConvertible {
        let description: String
    }

    /// An exporter of session `id` to the API behind `client`, giving up at `deadline`.
    ///
    /// - Parameter closing: gives the end of a session that was abandoned without one,
    ///   sent with `update_session` once the API has the rest.
    public init(store: LocalStore, id: SessionID, client: APIClient, deadline: DispatchTime,
                requestTimeout: Double = 5, closing: AbandonedSession.Closing? = nil) {
        self.closing = closing
        self.store = store
        self.id = id
        self.client = client
        self.deadline = ExportDeadline(deadline)
        self.requestTimeout = requestTimeout
        state = SyncState.load(store: store, id: id)
        handedOver = SyncState.exists(id, store: store)
    }

    public func take(_ record: StoreRecord, session: SessionSummary, endingAt offset: Int) throws {
        // Without the fold's LLM call ids: a summary held whole here shared that set with
        // the follower's, which then copied all of it at each LLM event it folded (a
        // 100,000-event sync spent a minute copying, with the set twice in memory).
        summary = session.withoutFoldState
        try handOver()
        switch record {
        case .start:
            try ensureSession()
            try advance(to: offset)
        case let .event(event):
            batch.add(JSONWriter.compact(event.json), endingAt: offset)
            if batch.isFull { try send() }
        case .tags, .tagsAdded, .declaredEnd, .end:
            try send()
            try updateSession()
            try advance(to: offset)
        }
    }

    public func flush(endingAt offset: Int, session: SessionSummary?) throws {
        summary = session?.withoutFoldState ?? summary
        try handOver()
        try send()
        if state.offset < offset { try advance(to: offset) }  // skipped (corrupted) lines
        if var ended = summary, ended.end == nil, state.closedAt != offset, let closing = closing?(ended) {
            ended.apply(.end(closing))
            summary = ended
            try updateSession()
            state.closedAt = offset
            try advance(to: offset)
            closedAs = closing.state
        }
    }

    /// Marks the session as handed to the API before anything is acknowledged, so
    /// `agentops sessions` shows it as not uploaded rather than as local only.
    private func handOver() throws {
        guard !handedOver else { return }
        try state.save(store: store, id: id)
        handedOver = true
    }

    /// Events waiting to be sent, already encoded, with the offset just past the last.
    private struct Batch {
        var events: [[UInt8]] = []
        var bytes = 0
        var endOffset = 0

        var isFull: Bool {
            events.count >= AgentOpsExporter.maxBatchEvents || bytes >= AgentOpsExporter.maxBatchBytes
        }

        mutating func add(_ event: [UInt8], endingAt offset: Int) {
            events.append(event)
            bytes += event.count
            endOffset = offset
        }

        /// `{"events":[…]}`, from the encoded events.
        var body: [UInt8] {
            var body = Array(#"{"events":["#.utf8)
            body.reserveCapacity(bytes + events.count + 16)
            for (index, event) in events.enumerated() {
                if index > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: event)
            }
            body.append(contentsOf: "]}".utf8)
            return body
        }
    }

    /// The session as the SDK sends it (`Session.sdkObject`).
    private func sessionObject() throws -> JSONValue {
        guard let summary else { throw Stop(description: "the session log has no start record") }
        return summary.session.sdkObject(counts: summary.counts)
    }

    private func ensureSession() throws {
        guard state.jwt == nil else { return }
        let body = JSONValue.object([("session", try sessionObject())])
        let data = try call { self.client.post("/v2/create_session", body: body, jwt: nil, apiKey: true,
                                               timeout: self.timeout()) }
        guard let json = try? JSONParser.parse(data), let jwt = json["jwt"]?.stringValue else {
            throw Stop(description: "create_session answered without a jwt")
        }
        state.jwt = jwt
        state.sessionURL = json["session_url"]?.stringValue
        try state.save(store: store, id: id)
    }

    private func send() throws {
        guard !batch.events.isEmpty else { return }
        try ensureSession()
        let body = batch.body
        _ = try call { self.client.post("/v2/create_events", encoded: body, jwt: self.state.jwt, apiKey: true,
                                        timeout: self.timeout()) }
        eventsSent += batch.events.count
        let end = batch.endOffset
        batch = Batch()
        try advance(to: end)
    }

    private func updateSession() throws {
        try ensureSession()
        let body = JSONValue.object([("session", try sessionObject())])
        let data = try call { self.client.post("/v2/update_session", body: body, jwt: self.state.jwt, apiKey: true,
                                               timeout: self.timeout()) }
        if let json = try? JSONParser.parse(data), let cost = json["token_cost"], cost != .null {
            state.tokenCost = cost
        }
    }

    private func advance(to offset: Int) throws {
        state.offset = offset
        try state.save(store: store, id: id)
    }

    private func timeout() -> Double { deadline.requestTimeout(atMost: requestTimeout) }

    /// Makes a call until it succeeds, retrying with exponential backoff and jitter
    /// (or the server's Retry-After) while the deadline allows, and re-authorising
    /// once on 401.
    private func call(_ make: () -> APIClient.Outcome) throws -> Data {
        var attempt = 0
        var reauthorized = false
        while true {
            guard !deadline.hasPassed else { throw Stop(description: problem ?? "the deadline passed") }
            switch make() {
            case let .ok(data):
                return data
            case .unauthorized:
                guard !reauthorized, state.jwt != nil else {
                    throw Stop(description: "the API refused the key or the session (HTTP 401)")
                }
                reauthorized = true
                try reauthorize()
            case let .retry(reason, after):
                problem = reason
                guard deadline.pauseBeforeRetry(attempt, after: after) else { throw Stop(description: reason) }
                attempt += 1
            case let .fail(reason):
                throw Stop(description: reason)
            case let .malformed(reason):
                // The server did answer: the same request would get the same answer.
                throw Stop(description: "\(reason); not retried")
            }
        }
    }

    private func reauthorize() throws {
        let body = JSONValue.object([("session_id", .string(id.value))])
        let outcome = client.post("/v2/reauthorize_jwt", body: body, jwt: nil, apiKey: true, timeout: timeout())
        guard case let .ok(data) = outcome, let jwt = (try? JSONParser.parse(data))?["jwt"]?.stringValue else {
            throw Stop(description: "re-authorising the session failed")
        }
        state.jwt = jwt
        try state.save(store: store, id: id)
    }
}
