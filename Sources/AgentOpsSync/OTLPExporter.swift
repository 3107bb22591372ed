import AgentOpsKit
import Foundation

/// An OpenTelemetry collector as an exporter of session logs: once the session has
/// ended (the root span needs its end), the whole session goes out as one trace
/// (`OTLPTraceMapping`), in bounded batches, and only then does the cursor (`ID.otlp`)
/// move to the end of the log.
///
/// The cursor also counts the batches acknowledged, so an export cut off half-way
/// resumes after them instead of sending spans twice (the same log gives the same
/// batches). Failures that retrying cannot fix (400, 413, any other refusal, an answer
/// that is not readable HTTP) stop the export with the collector's reason; a partial
/// success is accepted, not retried, and reported in `rejections`.
///
/// The same exporter, under its own name and with a client that authenticates, takes
/// sessions to the AgentOps cloud over OTLP (`AgentOpsCloudExporter`).
public final class OTLPExporter: SessionExporter {
    public let name: String
    public var acknowledgedOffset: Int { cursor.offset }
    /// Spans acknowledged.
    public private(set) var spansSent = 0
    /// What the collector refused in partial successes, as messages.
    public private(set) var rejections: [String] = []
    /// The end state this exporter gave a session that had none (`AbandonedSession`),
    /// once the trace with it was acknowledged.
    public private(set) var closedAs: EndState?
    /// The mapping reads the log itself once the session has ended: the follower need
    /// not parse (nor count) the events.
    public var takesEvents: Bool { false }

    private let store: LocalStore
    private let id: SessionID
    private let client: OTLPClient
    private let mapping: OTLPTraceMapping
    private let deadline: ExportDeadline
    private var cursor: ExportCursor
    private var handedOver: Bool
    /// The end to give a session that has none and never will (`AbandonedSession`).
    private let closing: AbandonedSession.Closing?

    /// Why the export stopped.
    struct Stop: Error, CustomStringConvertible {
        let description: String
    }

    /// An exporter of session `id` through `client`, mapped with `mapping`, giving up at
    /// `deadline`.
    ///
    /// - Parameters:
    ///   - name: the exporter's name, which names its cursor files.
    ///   - closing: gives the end of a session that was abandoned without one.
    public init(store: LocalStore, id: SessionID, client: OTLPClient, mapping: OTLPTraceMapping,
                deadline: DispatchTime, name: String = OTLPConfiguration.exporter,
                closing: AbandonedSession.Closing? = nil) {
        self.name = name
        self.closing = closing
        self.store = store
        self.id = id
        self.client = client
        self.mapping = mapping
        self.deadline = ExportDeadline(deadline)
        cursor = ExportCursor.load(store: store, id: id, exporter: name)
        handedOver = ExportCursor.exists(id, store: store, exporter: name)
    }

    public func take(_ record: StoreRecord, session: SessionSummary, endingAt offset: Int) throws {
        // Marks the session as handed over, so a later `--catch-up` finds it.
        if !handedOver {
            try cursor.save(store: store, id: id)
            handedOver = true
        }
    }

    public func flush(endingAt offset: Int, session: SessionSummary?) throws {
        guard let session, cursor.offset < offset else { return }
        let closing = session.end == nil ? self.closing?(session) : nil
        guard session.end != nil || closing != nil else { return }
        // After a full export the log grew (a tag added later): send it all again, the ids
        // are the same. After a cut-off one, skip what was acknowledged.
        let skip = cursor.offset == 0 ? cursor.extra["batches"]?.intValue ?? 0 : 0
        _ = try mapping.export(path: store.path(of: id), upTo: offset, closing: { _ in closing }) { index, request in
            guard index >= skip else { return }
            try send(request)
            spansSent += request.spanCount
            cursor.extra["batches"] = .int(index + 1)
            try cursor.save(store: store, id: id)
        }
        cursor.offset = offset
        cursor.extra = [:]
        try cursor.save(store: store, id: id)
        if let closing { closedAs = closing.state }
    }

    /// Sends one request until it is accepted, retrying with the collector's
    /// Retry-After or exponential backoff with jitter while the deadline allows.
    private func send(_ request: OTLPTraceRequest) throws {
        var attempt = 0
        while true {
            guard !deadline.hasPassed else { throw Stop(description: "the deadline passed") }
            switch client.export(request, timeout: deadline.requestTimeout(atMost: client.configuration.timeout)) {
            case let .accepted(rejected, message):
                if rejected > 0 || !message.isEmpty {
                    rejections.append("the collector rejected \(rejected) of \(request.spanCount) spans"
                        + (message.isEmpty ? "" : ": \(message)"))
                }
                return
            case let .retry(reason, after):
                guard deadline.pauseBeforeRetry(attempt, after: after) else { throw Stop(description: reason) }
                attempt += 1
            case let .fail(reason):
                throw Stop(description: "\(client.configuration.endpoint) refused the spans (\(reason))")
            case let .unauthorized(reason):
                throw Stop(description: reason)
            case let .malformed(reason):
                throw Stop(description: "\(reason); not retried")
            }
        }
    }
}
