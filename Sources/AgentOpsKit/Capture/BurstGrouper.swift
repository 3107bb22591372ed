/// Groups the lines of one stream into events.
///
/// An event opens with a line and takes every further line read within the event
/// window of that first line, so a child printing a million lines in a burst gives a
/// handful of events, while lines printed further apart than the window are one event
/// each. Every line is kept, in order; an event also closes before a line would take
/// its text past `maxEventBytes` (a cut line's marker aside; a single longer line is an
/// event of its own).
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
        if lineCount > 0, windowPassed(at: time) || text.count + 1 + line.bytes.count > limits.maxEventBytes {
            flush(emit: emit)
        }
        makeRoom(for: line.bytes.count + (line.droppedBytes > 0 ? 64 : 0))
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

    /// Adds whole lines read together at `time`, as `add(_:at:emit:)` would one by one:
    /// `run` holds them as they were read, each with its newline, none cut.
    ///
    /// Copied in as few pieces as the event size allows (one for a chunk of a flood),
    /// each piece ending where the last line that fits ends.
    public mutating func add(lines run: UnsafeRawBufferPointer, at time: Timestamp, emit: (Burst) -> Void) {
        guard var rest = run.baseAddress, run.count > 0 else { return }
        var left = run.count
        if limits.eventWindowMicroseconds <= 0 {
            while left > 0, let newline = ByteSearch.first(0x0A, in: rest, count: left) {
                let length = rest.distance(to: newline)
                add(LineSplitter.Line(bytes: UnsafeRawBufferPointer(start: rest, count: length), droppedBytes: 0,
                                      start: time), at: time, emit: emit)
                rest = newline + 1
                left -= length + 1
            }
            return
        }
        if lineCount > 0, windowPassed(at: time) { flush(emit: emit) }
        while left > 0 {
            // Room for lines after the separating newline (none before an event's first line).
            let room = limits.maxEventBytes - text.count - (lineCount > 0 ? 1 : 0)
            var piece = left
            if left - 1 > room {
                // The last newline at or before `room` ends the lines that fit.
                if room >= 0, let newline = ByteSearch.last(0x0A, in: rest, count: min(room + 1, left)) {
                    piece = rest.distance(to: newline) + 1
                } else if lineCount > 0 {
                    flush(emit: emit)
                    continue
                } else if let newline = ByteSearch.first(0x0A, in: rest, count: left) {
                    // One line longer than an event (a line limit above the event size).
                    piece = rest.distance(to: newline) + 1
                }
            }
            append(lines: UnsafeRawBufferPointer(start: rest, count: piece), at: time)
            rest += piece
            left -= piece
            if left > 0 { flush(emit: emit) }
        }
    }

    /// Appends `piece`, whole lines with their newlines, to the open event.
    private mutating func append(lines piece: UnsafeRawBufferPointer, at time: Timestamp) {
        makeRoom(for: piece.count)
        if lineCount == 0 {
            start = time
        } else {
            text.append(0x0A)
        }
        text.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece[0..<(piece.count - 1)]))
        lineCount += CaptureBudget.countNewlines(piece)
        end = time
    }

    /// Whether the open event's window has passed by `time`.
    private func windowPassed(at time: Timestamp) -> Bool {
        time.microseconds - start.microseconds >= limits.eventWindowMicroseconds
    }

    /// Gives the open event's text room for `incoming` more bytes (and a newline): a small
    /// event gets 4 KiB (1 MiB for every event, `ok` included, failed under `ulimit -v`
    /// after the command had run: hostile pass, round 10); one that outgrows it gets room
    /// for a whole event at once: growing by doubling copied the text over and over and
    /// faulted in fresh pages for every event of a flood.
    private mutating func makeRoom(for incoming: Int) {
        let needed = text.count + incoming + 1
        guard needed > text.capacity else { return }
        text.reserveCapacity(needed <= 4096 ? 4096 : max(min(limits.maxEventBytes, 1 << 20) + 64, needed))
    }

    /// Closes the open event if its window has passed by `time`.
    public mutating func flushIfDue(at time: Timestamp, emit: (Burst) -> Void) {
        if let deadline, time >= deadline { flush(emit: emit) }
    }

    /// Closes the open event, if any.
    ///
    /// - Parameter last: no event follows (the stream ended): no room is kept for one.
    public mutating func flush(emit: (Burst) -> Void, last: Bool = false) {
        guard lineCount > 0 else { return }
        emit(Burst(text: text, lineCount: lineCount, start: start, end: end))
        // Kept for the next event, up to the event size (a line cut with its marker can
        // go a little past it). The emitted event shares the text, so keeping room is a
        // fresh megabyte: not for an event that will never come.
        text.removeAll(keepingCapacity: !last && text.capacity - 256 <= max(limits.maxEventBytes, 1 << 20))
        lineCount = 0
    }
}
