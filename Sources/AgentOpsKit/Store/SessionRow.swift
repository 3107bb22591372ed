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

    init(id: SessionID, initTimestamp: Timestamp, endState: EndState, ended: Bool, tags: [String],
         recordedCost: Decimal, usage: [String: LLMUsage]) {
        self.id = id
        self.initTimestamp = initTimestamp
        self.endState = endState
        self.ended = ended
        self.tags = tags
        self.recordedCost = recordedCost
        self.usage = usage
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
        guard case let .object(pairs) = json else { return nil }
        var start: Int?, state: EndState?, ended: Bool?, tags: [String]?
        var recordedCost: Decimal?, usage: [String: LLMUsage]?
        // One pass over the pairs (a lookup by key is a search of them all); a key that
        // repeats counts as its last value, as `JSONValue`'s subscript has it.
        for (key, value) in pairs {
            switch key {
            case "start_us": start = value.intValue
            case "state": state = value.stringValue.flatMap(EndState.init(rawValue:))
            case "ended": if case let .bool(flag) = value { ended = flag } else { ended = nil }
            case "tags": tags = SessionSummary.strings(value)
            case "recorded_cost": recordedCost = Self.decimal(value)
            case "usage": usage = SessionSummary.decodeUsage(value)
            default: break
            }
        }
        guard let start, let state, let ended, let tags, let recordedCost, let usage else { return nil }
        self.id = id
        initTimestamp = Timestamp(microseconds: Int64(start))
        endState = state
        self.ended = ended
        self.tags = tags
        self.recordedCost = recordedCost
        self.usage = usage
    }

    /// A cost read back as `SessionSummary` reads it, plain digits directly
    /// (`PlainCost`).
    static func decimal(_ json: JSONValue) -> Decimal? {
        guard case var .string(text) = json else { return nil }
        let quick = text.withUTF8 { bytes in
            PlainCost.parse(bytes).map { Decimal(sign: .plus, exponent: -Int($0.fraction), significand: Decimal($0.significand)) }
        }
        // No cost is negative: a row that says so was not written by the index (edited,
        // damaged) and is refused, so the session's log is folded again instead.
        guard let value = quick ?? SessionSummary.decodeDecimal(json), value >= 0 else { return nil }
        return value
    }
}
