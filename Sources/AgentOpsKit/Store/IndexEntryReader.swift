/// Reads the first part of a session index entry (key and row) byte by byte, in the one
/// layout `SessionIndex.writeEntry` writes, without building a `JSONValue` tree.
///
/// Parsing that part as JSON was most of what listing a large store cost (a tree of a
/// dozen strings and numbers per session, built and freed). This reader takes only the
/// common shape: the keys in the writer's order, tags and cost without escapes, no
/// uncosted LLM usage. Anything else, damaged or merely unusual, gives nil, and the
/// caller parses the part as JSON instead, so the reader can only ever be a shortcut.
struct IndexEntryReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The key and (when `row`) the row of session `id` in `part`, the text before an
    /// entry's tab; nil when it is not in the writer's common shape.
    static func read(_ part: ArraySlice<UInt8>, id: SessionID, row: Bool)
        -> (key: SessionIndex.Key, row: SessionRow?)? {
        part.withUnsafeBufferPointer { buffer in
            var reader = IndexEntryReader(buffer)
            return reader.entry(id: id, row: row)
        }
    }

    private mutating func entry(id: SessionID, row: Bool) -> (key: SessionIndex.Key, row: SessionRow?)? {
        // The id was matched by `SessionIndex.load` already: 36 bytes, skipped.
        guard literal("{\"id\":\""), bytes.count - index > 36 else { return nil }
        index += 36
        guard literal("\",\"size\":"), let size = integer(), literal(",\"mtime_ns\":"), let mtime = integer(),
              literal(",\"ctime_ns\":"), let ctime = integer(), literal(",\"inode\":"),
              let inode = integer(), inode >= 0 else { return nil }
        let key = SessionIndex.Key(size: size, mtime: mtime, ctime: ctime, inode: UInt64(inode))
        guard row else { return literal("}") && index == bytes.count ? (key, nil) : nil }
        guard literal(",\"start_us\":"), let start = integer(), literal(",\"state\":"),
              let state = string().flatMap(EndState.init(rawValue:)), literal(",\"ended\":") else { return nil }
        let ended: Bool
        if literal("true") { ended = true } else if literal("false") { ended = false } else { return nil }
        guard literal(",\"tags\":["), let tags = strings(), literal(",\"recorded_cost\":"), let cost = string(),
              let recordedCost = SessionRow.decimal(.string(cost)), literal(",\"usage\":{}}"),
              index == bytes.count else { return nil }
        return (key, SessionRow(id: id, initTimestamp: Timestamp(microseconds: Int64(start)), endState: state,
                                ended: ended, tags: tags, recordedCost: recordedCost, usage: [:]))
    }

    /// Steps over `text` if it comes next.
    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count - index >= count,
              ByteSearch.equal(bytes.baseAddress! + index, text.utf8Start, count: count) else { return false }
        index += count
        return true
    }

    /// A JSON integer (no leading zeros), held in `Int` or refused.
    private mutating func integer() -> Int? {
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let first = index
        var value = 0
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
            let digit = Int(bytes[index] - 0x30)
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit)
                : times.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        let digits = index - first
        guard digits > 0, digits == 1 || bytes[first] != UInt8(ascii: "0") else { return nil }
        return value
    }

    /// A JSON string without escapes (nil for one with any, or with a control byte).
    private mutating func string() -> String? {
        guard literal("\"") else { return nil }
        let first = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            guard bytes[index] >= 0x20, bytes[index] != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<index]), as: UTF8.self)
        index += 1
        return text
    }

    /// The strings of an array whose `[` was read, through its `]`.
    private mutating func strings() -> [String]? {
        var items: [String] = []
        if literal("]") { return items }
        repeat {
            guard let item = string() else { return nil }
            items.append(item)
        } while literal(",")
        return literal("]") ? items : nil
    }
}
