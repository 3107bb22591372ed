import AgentOpsKit
import Foundation
import Glibc

/// Uploads what is unsent of one stored session to the AgentOps v2 API, as the SDK
/// does on the wire: `create_session`, events in batches to `create_events`, and
/// `update_session` for tag changes and the end.
///
/// It works through the session file from the last acknowledged offset and moves the
/// offset only after an acknowledgement, so stopping at any point — a dead backend,
/// a deadline, a kill — loses nothing: the next upload resumes there. Event ids make
/// a batch sent twice (acknowledged, but the offset not yet saved) harmless.
public final class SessionUploader {
    /// At most this many events per `create_events` call (as the SDK).
    public static let maxBatchEvents = 25
    /// And at most about this many bytes of JSON.
    public static let maxBatchBytes = 1 << 20
    /// How often a followed session file is looked at for new records: each look is an
    /// open, a seek and an empty read, and the end of a run waits for the last one.
    static let followInterval: useconds_t = 25_000

    /// How an upload went.
    public struct Report: Sendable {
        /// Events acknowledged in this upload.
        public var eventsSent = 0
        /// Whether everything recorded so far is acknowledged.
        public var complete = false
        /// The last reason something could not be sent.
        public var problem: String?
        /// The API's `token_cost` for the session, when it answered one.
        public var tokenCost: JSONValue?
    }

    private let store: LocalStore
    private let id: SessionID
    private let client: APIClient
    private let deadline: DispatchTime
    private let requestTimeout: Double
    private var state: SyncState
    private var report = Report()
    /// The session as of the records read so far: what create_session and
    /// update_session send, kept up to date as the file is read rather than re-read.
    private var summary: SessionSummary?

    private struct Stop: Error {}

    /// An uploader for session `id` that gives up at `deadline`.
    public init(store: LocalStore, id: SessionID, client: APIClient, deadline: DispatchTime,
                requestTimeout: Double = 5) {
        self.store = store
        self.id = id
        self.client = client
        self.deadline = deadline
        self.requestTimeout = requestTimeout
        state = SyncState.load(store: store, id: id)
    }

    /// Uploads what is unsent.
    ///
    /// - Parameter follow: keep going while the session is being recorded, until its
    ///   end is uploaded, the deadline passes, or the process that started this one
    ///   (agentops-run) is gone — then after one last pass.
    public func run(follow: Bool) -> Report {
        let path = store.path(of: id)
        let parent = getppid()
        var lastPass = false
        do {
            // Marks the session as handed to the API before anything is acknowledged, so
            // `agentops sessions` shows it as not uploaded rather than as local only.
            if !SyncState.exists(id, store: store) { try state.save(store: store, id: id) }
            if state.offset > 0 { summary = try SessionSummary.load(path: path, upTo: state.offset) }
            while true {
                var ended = false
                var batch = Batch()
                let (_, end) = try SessionReader.read(path: path, from: state.offset) { record, offset in
                    SessionSummary.fold(record, into: &summary)
                    switch record {
                    case .start:
                        try ensureSession()
                        try advance(to: offset)
                    case let .event(event):
                        batch.add(JSONWriter.compact(event.json), endingAt: offset)
                        if batch.isFull { try send(&batch) }
                    case .tags, .declaredEnd, .end:
                        try send(&batch)
                        try updateSession()
                        try advance(to: offset)
                        if case .end = record { ended = true }
                    }
                }
                try send(&batch)
                if state.offset < end { try advance(to: end) }  // skipped (corrupted) lines
                if ended || !follow || lastPass { break }
                if DispatchTime.now() >= deadline { throw Stop() }
                if getppid() != parent {
                    lastPass = true
                    continue
                }
                usleep(Self.followInterval)
            }
            report.complete = !lastPass || SyncState.isUploaded(id, store: store)
        } catch {
            if report.problem == nil { report.problem = "\(error)" }
        }
        report.tokenCost = state.tokenCost
        return report
    }

    /// Events waiting to be sent, already encoded, with the offset just past the last.
    private struct Batch {
        var events: [[UInt8]] = []
        var bytes = 0
        var endOffset = 0

        var isFull: Bool { events.count >= SessionUploader.maxBatchEvents || bytes >= SessionUploader.maxBatchBytes }

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

    /// The session as the SDK sends it (the keys the server reads, and `event_counts`).
    private func sessionObject() throws -> JSONValue {
        guard let summary else {
            report.problem = "the session file has no start record"
            throw Stop()
        }
        let session = summary.session
        return .object([
            ("session_id", .string(session.id.value)),
            ("init_timestamp", .string(session.initTimestamp.description)),
            ("end_timestamp", .optionalString(session.endTimestamp?.description)),
            ("tags", .array(session.tags.map { .string($0) })),
            ("end_state", .string(session.endState.rawValue)),
            ("end_state_reason", .optionalString(session.endStateReason)),
            ("video", .optionalString(session.video)),
            ("host_env", session.hostEnv),
            ("event_counts", .object(EventType.allCases.map { ($0.rawValue, .int(summary.count($0))) })),
        ])
    }

    private func ensureSession() throws {
        guard state.jwt == nil else { return }
        let body = JSONValue.object([("session", try sessionObject())])
        let data = try call { self.client.post("/v2/create_session", body: body, jwt: nil, apiKey: true,
                                               timeout: self.timeout()) }
        guard let json = try? JSONParser.parse(data), let jwt = json["jwt"]?.stringValue else {
            report.problem = "create_session answered without a jwt"
            throw Stop()
        }
        state.jwt = jwt
        state.sessionURL = json["session_url"]?.stringValue
        try state.save(store: store, id: id)
    }

    private func send(_ batch: inout Batch) throws {
        guard !batch.events.isEmpty else { return }
        try ensureSession()
        let body = batch.body
        _ = try call { self.client.post("/v2/create_events", encoded: body, jwt: self.state.jwt, apiKey: true,
                                        timeout: self.timeout()) }
        report.eventsSent += batch.events.count
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

    private func timeout() -> Double {
        let remaining = Double(Int64(deadline.uptimeNanoseconds) - Int64(DispatchTime.now().uptimeNanoseconds)) / 1e9
        return max(0.2, min(requestTimeout, remaining))
    }

    /// Makes a call until it succeeds, retrying with exponential backoff and jitter
    /// (or the server's Retry-After) while the deadline allows, and re-authorising
    /// once on 401.
    private func call(_ make: () -> APIClient.Outcome) throws -> Data {
        var attempt = 0
        var reauthorized = false
        while true {
            guard DispatchTime.now() < deadline else { throw Stop() }
            switch make() {
            case let .ok(data):
                return data
            case .unauthorized:
                guard !reauthorized, state.jwt != nil else {
                    report.problem = "the API refused the key or the session (HTTP 401)"
                    throw Stop()
                }
                reauthorized = true
                try reauthorize()
            case let .retry(reason, after):
                report.problem = reason
                let backoff = min(8, 0.25 * pow(2, Double(attempt))) * Double.random(in: 0.5...1.5)
                let delay = after ?? backoff
                guard DispatchTime.now() + delay < deadline else { throw Stop() }
                usleep(useconds_t(delay * 1_000_000))
                attempt += 1
            case let .fail(reason):
                report.problem = reason
                throw Stop()
            }
        }
    }

    private func reauthorize() throws {
        let body = JSONValue.object([("session_id", .string(id.value))])
        let outcome = client.post("/v2/reauthorize_jwt", body: body, jwt: nil, apiKey: true, timeout: timeout())
        guard case let .ok(data) = outcome, let jwt = (try? JSONParser.parse(data))?["jwt"]?.stringValue else {
            report.problem = "re-authorising the session failed"
            throw Stop()
        }
        state.jwt = jwt
        try state.save(store: store, id: id)
    }
}
