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
    /// Lines there was no memory to hold since the last event (`makeRoom`), recorded as
    /// one note (`noRoomText`) before anything after them.
    private var leftOut = (lines: 0, bytes: 0, start: Timestamp(microseconds: 0), end: Timestamp(microseconds: 0))
    /// Whether the C allocator could give so many bytes now (`FallibleBuffer.available`;
    /// tests make it say no).
    private let roomFor: (Int) -> Bool

    /// A grouper with the given limits.
    public init(limits: CaptureLimits) { self.init(limits: limits, roomFor: FallibleBuffer.available) }

    init(limits: CaptureLimits, roomFor: @escaping (Int) -> Bool) {
        self.limits = limits
        self.roomFor = roomFor
    }

    /// When the open event must be closed even if no more lines come; nil when none is
    /// open.
    public var deadline: Timestamp? {
        lineCount == 0 ? nil : Timestamp(microseconds: start.microseconds + limits.eventWindowMicroseconds)
    }

    /// The marker appended to a line that was recorded cut.
    public static func cutMarker(droppedBytes: Int) -> String {
        " [agentops-run: line cut, \(droppedBytes) bytes left out]"
    }

    /// What is recorded in place of lines there was no memory to record.
    public static func noRoomText(lines: Int, bytes: Int) -> String {
        "[agentops-run: \(lines) lines, \(bytes) bytes left out: no memory to record them]"
    }

    /// Adds a line read at `time`; calls `emit` for any event this closes.
    public mutating func add(_ line: LineSplitter.Line, at time: Timestamp, emit: (Burst) -> Void) {
        if lineCount > 0, windowPassed(at: time) || text.count + 1 + line.bytes.count > limits.maxEventBytes {
            flush(emit: emit)
        }
        guard makeRoom(for: line.bytes.count + (line.droppedBytes > 0 ? 64 : 0), emit: emit) else {
            leaveOut(lines: 1, bytes: line.bytes.count &+ line.droppedBytes, at: time, emit: emit)
            return
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
            append(lines: UnsafeRawBufferPointer(start: rest, count: piece), at: time, emit: emit)
            rest += piece
            left -= piece
            if left > 0 { flush(emit: emit) }
        }
    }

    /// Appends `piece`, whole lines with their newlines, to the open event.
    private mutating func append(lines piece: UnsafeRawBufferPointer, at time: Timestamp, emit: (Burst) -> Void) {
        guard makeRoom(for: piece.count, emit: emit) else {
            let lines = CaptureBudget.countNewlines(piece)
            leaveOut(lines: lines, bytes: piece.count - lines, at: time, emit: emit)
            return
        }
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
    /// after the command had run: hostile pass, round 10), then 64 KiB (still from the
    /// heap, where the C allocator maps 1 MiB on its own), then room for a whole event at
    /// once: growing by doubling copied the text over and over and faulted in fresh
    /// pages for every event of a flood.
    ///
    /// Where a step's room cannot be had (`ulimit -v` nearly used up: the second
    /// hostile pass ended `seq 1 3000` there, after its output), the text grows by
    /// doubling, which needs no more than the event holds; where not even that can be
    /// had, false: the incoming lines are left out (`leaveOut`), never Swift's
    /// allocation trap, which ended the run with the command's output cut short.
    ///
    /// Records the note of lines left out before, once there is room again.
    private mutating func makeRoom(for incoming: Int, emit: (Burst) -> Void) -> Bool {
        let needed = text.count + incoming + 1
        if needed > text.capacity {
            if needed <= 4096 {
                text.reserveCapacity(4096)
            } else {
                let step = needed <= 65536 ? 65536 : max(min(limits.maxEventBytes, 1 << 20) + 64, needed)
                // Looked at with as much again to spare: other threads allocate between
                // the look and the allocation (a look at the size alone still lost a
                // sweep's run in 33).
                let size = roomFor(step * 2) ? step : max(needed, text.capacity * 2)
                guard size == step || roomFor(size * 2) else { return false }
                text.reserveCapacity(size)
            }
        }
        if leftOut.lines > 0 { emitLeftOut(emit: emit) }
        return true
    }

    /// Counts lines there was no room for; the open event is closed first, so that the
    /// note comes after its lines and before any later ones.
    private mutating func leaveOut(lines: Int, bytes: Int, at time: Timestamp, emit: (Burst) -> Void) {
        if lineCount > 0 { flush(emit: emit) }  // (nothing was left out before its lines)
        if leftOut.lines == 0 { leftOut.start = time }
        leftOut.lines &+= lines
        leftOut.bytes &+= bytes
        leftOut.end = time
    }

    /// Records the note of the lines left out, if any.
    private mutating func emitLeftOut(emit: (Burst) -> Void) {
        guard leftOut.lines > 0 else { return }
        emit(Burst(text: Array(Self.noRoomText(lines: leftOut.lines, bytes: leftOut.bytes).utf8),
                   lineCount: leftOut.lines, start: leftOut.start, end: leftOut.end))
        leftOut.lines = 0
        leftOut.bytes = 0
    }

    /// Closes the open event if its window has passed by `time`.
    public mutating func flushIfDue(at time: Timestamp, emit: (Burst) -> Void) {
        if let deadline, time >= deadline { flush(emit: emit) }
    }

    /// Closes the open event, if any.
    ///
    /// - Parameter last: no event follows (the stream ended): no room is kept for one.
    public mutating func flush(emit: (Burst) -> Void, last: Bool = false) {
        guard lineCount > 0 else {
            emitLeftOut(emit: emit)
            return
        }
        emit(Burst(text: text, lineCount: lineCount, start: start, end: end))
        // Kept for the next event, up to the event size (a line cut with its marker can
        // go a little past it). The emitted event shares the text, so keeping room is a
        // fresh megabyte: not for an event that will never come, nor when the allocator
        // has none (`makeRoom` then grows the next event as it can: a tight `ulimit -v`).
        let keep = !last && text.capacity - 256 <= max(limits.maxEventBytes, 1 << 20)
            && (text.capacity <= 65536 || roomFor(text.capacity))
        text.removeAll(keepingCapacity: keep)
        lineCount = 0
        emitLeftOut(emit: emit)
    }
}
