/// Groups the lines of one stream into events.
///
/// An event opens with a line and takes every further line read within the event
/// window of that first line, so a child printing a million lines in a burst gives a
/// handful of events, while lines printed further apart than the window are one event
/// each. Every line is kept, in order; an event also closes once its text reaches
/// `maxEventBytes`.
public struct BurstGrouper {
    /// A finished group of lines.
    public struct Burst: Equatable {
        /// The lines joined with `\n` (cut lines carry their marker).
        public var text: [UInt8]
        /// How many lines it holds.
        public var lineCount: Int
        /// When its first line's first bytes were read.
        public var start: Timestamp
        /// When its last line was read.
        public var end: Timestamp
    }

    private let limits: CaptureLimits
    private var text: [UInt8] = []
    private var lineCount = 0
    private var start = Timestamp(microseconds: 0)
    private var end = Timestamp(microseconds: 0)

    /// A grouper with the given limits.
    public init(limits: CaptureLimits) { self.limits = limits }

    /// When the open event must be closed even if no more lines come; nil when none is
    /// open.
    public var deadline: Timestamp? {
        lineCount == 0 ? nil : Timestamp(microseconds: start.microseconds + limits.eventWindowMicroseconds)
    }

    /// The marker appended to a line that was recorded cut.
    public static func cutMarker(droppedBytes: Int) -> String {
        " [agentops-run: line cut, \(droppedBytes) bytes left out]"
    }

    /// Adds a line read at `time`; calls `emit` for any event this closes.
    public mutating func add(_ line: LineSplitter.Line, at time: Timestamp, emit: (Burst) -> Void) {
        if lineCount > 0,
           time.microseconds - start.microseconds >= limits.eventWindowMicroseconds
            || text.count + line.bytes.count > limits.maxEventBytes {
            flush(emit: emit)
        }
        if lineCount == 0 {
            start = line.start
        } else {
            text.append(0x0A)
        }
        text.append(contentsOf: line.bytes)
        if line.droppedBytes > 0 { text.append(contentsOf: Self.cutMarker(droppedBytes: line.droppedBytes).utf8) }
        lineCount += 1
        end = time
        if limits.eventWindowMicroseconds <= 0 { flush(emit: emit) }
    }

    /// Closes the open event if its window has passed by `time`.
    public mutating func flushIfDue(at time: Timestamp, emit: (Burst) -> Void) {
        if let deadline, time >= deadline { flush(emit: emit) }
    }

    /// Closes the open event, if any.
    public mutating func flush(emit: (Burst) -> Void) {
        guard lineCount > 0 else { return }
        emit(Burst(text: text, lineCount: lineCount, start: start, end: end))
        text.removeAll(keepingCapacity: text.capacity <= 1 << 20)
        lineCount = 0
    }
}
