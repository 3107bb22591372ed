import Foundation

/// A session folded from its file: the session row with every tag change and the end
/// applied, and the counts the stats line and the stats endpoint need.
///
/// Folding keeps counts, not events, so summarising a session of any size takes
/// constant memory.
public struct SessionSummary: Sendable {
    /// The session as it stands now.
    public var session: Session
    /// Events per type.
    public var counts: [EventType: Int] = [:]
    /// Sum of `prompt_tokens` over LLM events.
    public var promptTokens = 0
    /// Sum of `completion_tokens` over LLM events.
    public var completionTokens = 0
    /// Sum of LLM events' `cost`, exact.
    public var cost: Decimal = 0
    /// How the session ended, when it did.
    public var end: StoreRecord.EndRecord?
    /// The last end state declared from inside the session, if any.
    public var declared: StoreRecord.DeclaredEnd?
    /// Lines that were skipped while reading.
    public var problems: [SessionReader.Problem] = []

    /// All events.
    public var eventCount: Int { counts.values.reduce(0, +) }

    /// Count of one event type.
    public func count(_ type: EventType) -> Int { counts[type, default: 0] }

    /// Seconds from start to end, or to `now` when the session has not ended.
    public func duration(now: Timestamp = .now()) -> Double {
        session.initTimestamp.seconds(until: session.endTimestamp ?? now)
    }

    /// Folds `record` in.
    public mutating func apply(_ record: StoreRecord) {
        switch record {
        case .start:
            // A second start (a joiner that found no file and raced the owner) adds nothing.
            break
        case let .event(event):
            counts[event.type, default: 0] += 1
            if event.type == .llms {
                let json = event.json
                promptTokens += json["prompt_tokens"]?.intValue ?? 0
                completionTokens += json["completion_tokens"]?.intValue ?? 0
                cost += Cost.parse(json["cost"]) ?? 0
            }
        case let .tags(tags):
            session.tags = tags
        case let .declaredEnd(declared):
            self.declared = declared
        case let .end(end):
            self.end = end
            session.endTimestamp = end.timestamp
            session.endState = end.state
            session.endStateReason = end.reason
        }
    }

    /// Folds `record` into `summary`, which begins at the first start record (a file
    /// read from its beginning or a resumed reader alike).
    public static func fold(_ record: StoreRecord, into summary: inout SessionSummary?) {
        if summary == nil, case let .start(session) = record { summary = SessionSummary(session: session) }
        summary?.apply(record)
    }

    /// Reads and folds the session file at `path`, up to byte `offset` (a record
    /// boundary) when given.
    ///
    /// - Throws: `StoreError.cannotOpen`, or `sessionNotFound` when the file holds no
    ///   start record.
    public static func load(path: String, upTo offset: Int = .max) throws -> SessionSummary {
        var summary: SessionSummary?
        struct Reached: Error {}
        var problems: [SessionReader.Problem] = []
        do {
            problems = try SessionReader.read(path: path, from: 0) { record, end in
                guard end <= offset else { throw Reached() }
                fold(record, into: &summary)
            }.problems
        } catch is Reached {}
        guard var result = summary else { throw StoreError.sessionNotFound(query: path, home: path) }
        result.problems = problems
        return result
    }
}
