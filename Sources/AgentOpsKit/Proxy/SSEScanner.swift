/// Splits a `text/event-stream` body into its events as the bytes arrive, keeping each
/// event's raw bytes (so the proxy can pass an event on unchanged, or leave it out).
///
/// Events end at a blank line; lines end with LF or CRLF. Only `event:` and `data:`
/// fields matter here (several `data:` lines are joined with LF, as the spec says).
public struct SSEScanner: Sendable {
    /// One event of the stream.
    public struct Event: Sendable, Equatable {
        /// The event's bytes as they came, blank line included.
        public var raw: [UInt8]
        /// Its `event:` field, if any.
        public var name: String?
        /// Its `data:` lines joined.
        public var data: String
    }

    /// The most bytes an unfinished event may hold before the scanner stops parsing the
    /// stream: the limit the proxy parses a request body to.
    public static let maxEventBytes = 16 << 20

    private var pending: [UInt8] = []
    /// Where the next line to look at starts in `pending`.
    private var lineStart = 0
    /// How far `pending` is known to hold no line end after `lineStart`: each feed looks
    /// at its new bytes only (a 64 MiB line scanned from its start at each 64 KiB read
    /// took 28 s, hostile pass, round 13).
    private var searched = 0
    /// Whether an event grew over `maxEventBytes`: the scanner parses no more of the
    /// stream, and its bytes are the caller's to pass on as they come.
    public private(set) var isPassingThrough = false
    private var name: String?
    private var data: [UInt8] = []
    private var hasData = false

    /// A scanner at the start of a stream.
    public init() {}

    /// Feeds the next bytes of the stream.
    ///
    /// - Returns: the events these bytes completed, in order.
    /// - Returns: the events these bytes completed, in order; none once the scanner is
    ///   passing the stream through (`isPassingThrough`).
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [Event] {
        guard !isPassingThrough else { return [] }
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var eventStart = 0
        while let newline = pending[max(lineStart, searched)...].firstIndex(of: 0x0A) {
            var lineEnd = newline
            if lineEnd > lineStart, pending[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = pending[lineStart..<lineEnd]
            lineStart = newline + 1
            if line.isEmpty {
                if hasData || name != nil {
                    events.append(Event(raw: Array(pending[eventStart..<lineStart]), name: name,
                                        data: String(decoding: data, as: UTF8.self)))
                }
                eventStart = lineStart
                name = nil
                data.removeAll(keepingCapacity: true)
                hasData = false
            } else {
                field(line)
            }
        }
        searched = pending.count
        // Keep only the unfinished event: its lines are parsed already, its bytes are not sent yet.
        if eventStart > 0 {
            pending.removeFirst(eventStart)
            lineStart -= eventStart
            searched -= eventStart
        }
        if pending.count > Self.maxEventBytes {
            isPassingThrough = true
            name = nil
            data = []
        }
        return events
    }

    /// The bytes of an event the stream left unfinished (it ended without a blank line),
    /// or that grew over `maxEventBytes`.
    public var remainder: [UInt8] { pending }

    /// `remainder`, handed over once: the scanner keeps none of it.
    public mutating func takeRemainder() -> [UInt8] {
        defer {
            pending = []
            lineStart = 0
            searched = 0
        }
        return pending
    }

    private mutating func field(_ line: ArraySlice<UInt8>) {
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let key = line[line.startIndex..<colon]
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == 0x20 { value = value.dropFirst() }
        if key.elementsEqual("data".utf8) {
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        } else if key.elementsEqual("event".utf8) {
            name = String(decoding: value, as: UTF8.self)
        }
    }
}
