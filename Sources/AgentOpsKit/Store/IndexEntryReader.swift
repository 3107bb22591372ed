import Foundation

/// Reads a session index line byte by byte, in the one layout `SessionIndex.writeRow`
/// writes, into a `PackedRow`: no `JSONValue` tree, no `String`, no array.
///
/// Parsing these lines as JSON, then making a `SessionRow` (an id, an array of tags,
/// each a `String`) of each, was most of what listing a large store cost. This reader
/// takes only the common shape: the keys in the writer's order, tags without escapes, a
/// cost of plain digits, no uncosted LLM usage. Anything else, damaged or merely
/// unusual, gives nil, and the caller parses the line as JSON instead, so the reader
/// can only ever be a shortcut.
struct IndexEntryReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private let end: Int

    private init(_ bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>) {
        self.bytes = bytes
        (index, end) = (line.lowerBound, line.upperBound)
    }

    /// The key and (nil for a log with no session) packed row of the line at `line` of
    /// `bytes`, whose id `SessionIndex.load` has read already, up to its check
    /// (`IndexRowCheck.body`); nil when the line is not in the writer's common shape.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>)
        -> (key: SessionIndex.Key, row: PackedRow?)? {
        var reader = IndexEntryReader(bytes, line: line)
        return reader.entry()
    }

    private mutating func entry() -> (key: SessionIndex.Key, row: PackedRow?)? {
        // The id was matched by `SessionIndex.load` already: 36 bytes, skipped.
        guard literal("{\"id\":\""), end - index > 36 else { return nil }
        index += 36
        guard literal("\",\"size\":"), let size = integer(), literal(",\"mtime_ns\":"), let mtime = integer(),
              literal(",\"ctime_ns\":"), let ctime = integer(), literal(",\"inode\":"),
              let inode = integer(), inode >= 0 else { return nil }
        let key = SessionIndex.Key(size: size, mtime: mtime, ctime: ctime, inode: UInt64(inode))
        if index == end { return (key, nil) }
        guard literal(",\"summary_at\":"), let at = integer(), at >= 0, literal(",\"summary_bytes\":"),
              let length = integer(), length > 0,
              literal(",\"start_us\":"), let start = integer(), literal(",\"state\":\""),
              let state = endState(), literal(",\"ended\":") else { return nil }
        let ended: Bool
        if literal("true") { ended = true } else if literal("false") { ended = false } else { return nil }
        guard literal(",\"tags\":["), let tags = tagsText(), literal(",\"recorded_cost\":\""),
              let cost = plainCost(), literal(",\"usage\":{}"), index == end else { return nil }
        return (key, PackedRow(summaryAt: at, summaryBytes: length, start: Int64(start), state: state,
                               ended: ended, costSignificand: cost.significand, costFraction: cost.fraction,
                               tags: tags))
    }

    /// Steps over `text` if it comes next.
    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard end - index >= count,
              ByteSearch.equal(bytes.baseAddress! + index, text.utf8Start, count: count) else { return false }
        index += count
        return true
    }

    /// A JSON integer (no leading zeros), held in `Int` or refused.
    private mutating func integer() -> Int? {
        // Local copies: the loop keeps them in registers rather than in `self`.
        let base = bytes.baseAddress!
        var at = index
        let negative = at < end && base[at] == UInt8(ascii: "-")
        if negative { at += 1 }
        let first = at
        // 19 digits stay below 10^19 < 2^64: read without overflow checks.
        let last = min(end, first + 19)
        var magnitude: UInt64 = 0
        while at < last {
            let digit = base[at] &- 0x30
            if digit >= 10 { break }
            magnitude = magnitude &* 10 &+ UInt64(digit)
            at += 1
        }
        index = at
        let digits = at - first
        guard digits > 0, digits == 1 || base[first] != UInt8(ascii: "0") else { return nil }
        // A 20th digit is more than an `Int` holds.
        if at < end, base[at] &- 0x30 < 10 { return nil }
        if negative {
            guard magnitude <= UInt64(Int.max) &+ 1 else { return nil }
            return magnitude == UInt64(Int.max) &+ 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int.max) else { return nil }
        return Int(magnitude)
    }

    /// An end state's name and its closing quote.
    private mutating func endState() -> EndState? {
        if literal("Success\"") { return .success }
        if literal("Fail\"") { return .fail }
        if literal("Indeterminate\"") { return .indeterminate }
        return nil
    }

    /// The text between the `[` read and the `]` of an array of strings without escapes
    /// or control bytes, the `]` read; nil for anything else.
    private mutating func tagsText() -> Range<Int>? {
        let first = index
        if literal("]") { return first..<first }
        repeat {
            guard literal("\"") else { return nil }
            while index < end, bytes[index] != UInt8(ascii: "\"") {
                guard bytes[index] >= 0x20, bytes[index] != UInt8(ascii: "\\") else { return nil }
                index += 1
            }
            guard index < end else { return nil }
            index += 1
        } while literal(",")
        let last = index
        return literal("]") ? first..<last : nil
    }

    /// A cost of plain digits (`PlainCost`) and its closing quote; anything else (more
    /// digits, an exponent) is JSON's.
    private mutating func plainCost() -> (significand: UInt64, fraction: UInt8)? {
        var close = index
        while close < end, bytes[close] != UInt8(ascii: "\"") { close += 1 }
        guard close < end, let cost = PlainCost.parse(UnsafeBufferPointer(rebasing: bytes[index..<close])) else {
            return nil
        }
        index = close + 1
        return cost
    }
}

/// A session's row as the index holds it in its common shape, read without allocating:
/// what listing filters, sorts and totals on, and where its full summary is.
struct PackedRow: Sendable {
    /// Where the session's line in `session-summaries.jsonl` starts, and its length with
    /// its newline.
    var summaryAt: Int, summaryBytes: Int
    /// `SessionRow.initTimestamp`, in microseconds.
    var start: Int64
    /// `SessionRow.endState`.
    var state: EndState
    /// `SessionRow.ended`.
    var ended: Bool
    /// `SessionRow.recordedCost`: `costSignificand` × 10^-`costFraction`.
    var costSignificand: UInt64, costFraction: UInt8
    /// Where the tags' JSON strings lie in the index's bytes, between the brackets.
    var tags: Range<Int>

    init(summaryAt: Int, summaryBytes: Int, start: Int64, state: EndState, ended: Bool, costSignificand: UInt64,
         costFraction: UInt8, tags: Range<Int>) {
        (self.summaryAt, self.summaryBytes, self.start, self.state, self.ended) =
            (summaryAt, summaryBytes, start, state, ended)
        (self.costSignificand, self.costFraction, self.tags) = (costSignificand, costFraction, tags)
    }

    /// What sorting and filtering read of `row` (its cost and tags stay in the row).
    init(_ row: SessionRow) {
        self.init(summaryAt: 0, summaryBytes: 0, start: row.initTimestamp.microseconds, state: row.endState,
                  ended: row.ended, costSignificand: 0, costFraction: 0, tags: 0..<0)
    }

    /// The recorded cost, exactly as `Decimal(string:)` reads its text.
    var recordedCost: Decimal {
        Decimal(sign: .plus, exponent: -Int(costFraction), significand: Decimal(costSignificand))
    }

    /// The tags, from the index's `bytes`.
    func tagList(in bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var tags: [String] = []
        var start = -1
        // Strings without escapes (the reader checked): a quote opens or closes one.
        for index in self.tags where bytes[index] == UInt8(ascii: "\"") {
            if start < 0 {
                start = index + 1
            } else {
                tags.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                start = -1
            }
        }
        return tags
    }
}
