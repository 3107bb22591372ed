import Foundation

/// What listing the store filters, sorts and totals on, for one session: its id, start,
/// state, tags and what its cost is made of.
///
/// A store of 100,000 sessions is listed 20 at a time, but filtered, sorted and totalled
/// over all of them; a row is what that needs and nothing more (no host environment, no
/// command, no per-model detail), so the session index (`SessionIndex`) keeps one in
/// front of each full summary and a listing decodes the full summary only of the rows
/// it shows (`SessionListing`).
public struct SessionRow: Sendable, Equatable {
    /// The session id.
    public var id: SessionID
    /// When the session started.
    public var initTimestamp: Timestamp
    /// Its stored end state (`Indeterminate` until it ends).
    public var endState: EndState
    /// Whether its end record was folded in (a session without one may be running).
    public var ended: Bool
    /// Its tags, as the fold left them.
    public var tags: [String]
    /// The cost its LLM calls (and priced tools) carried themselves, exact.
    public var recordedCost: Decimal
    /// Tokens of the LLM calls without a cost, by model, for the price table.
    public var usage: [String: LLMUsage]

    /// The row of `summary`.
    public init(_ summary: SessionSummary) {
        id = summary.session.id
        initTimestamp = summary.session.initTimestamp
        endState = summary.session.endState
        ended = summary.end != nil
        tags = summary.session.tags
        recordedCost = summary.recordedCost
        usage = summary.usage
    }

    /// The session's cost, as `SessionSummary.cost` computes it.
    public func cost(_ prices: PriceTable) -> Decimal {
        usage.reduce(recordedCost) { total, entry in
            total + (prices.price(of: entry.key).map { entry.value.cost(at: $0.price) } ?? 0)
        }
    }
}

extension SessionRow {
    /// The row's fields as JSON object pairs, to follow an index entry's key.
    var indexPairs: [(String, JSONValue)] {
        [
            ("start_us", .int(initTimestamp.microseconds)),
            ("state", .string(endState.rawValue)),
            ("ended", .bool(ended)),
            ("tags", .array(tags.map { .string($0) })),
            ("recorded_cost", .string(recordedCost.description)),
            ("usage", SessionSummary.encode(usage)),
        ]
    }

    /// Reads a row back from an index entry (`indexPairs` beside `id`); nil when
    /// anything is missing or malformed.
    init?(index json: JSONValue, id: SessionID) {
        guard let start = json["start_us"]?.intValue,
              let state = json["state"]?.stringValue.flatMap(EndState.init(rawValue:)),
              case let .bool(ended)? = json["ended"],
              let tags = json["tags"].flatMap(SessionSummary.strings),
              let recordedCost = json["recorded_cost"].flatMap(SessionSummary.decodeDecimal),
              let usage = json["usage"].flatMap(SessionSummary.decodeUsage) else { return nil }
        self.id = id
        initTimestamp = Timestamp(microseconds: Int64(start))
        endState = state
        self.ended = ended
        self.tags = tags
        self.recordedCost = recordedCost
        self.usage = usage
    }
}
