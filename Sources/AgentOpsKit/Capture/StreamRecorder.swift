/// Everything that turns one stream's bytes into events: line splitting, the capture
/// budget, burst grouping, and handing events to the sink.
///
/// One value owned by its pump thread, changed through mutating methods: the per-line
/// path runs with static exclusivity (closures capturing these as `var`s cost a dynamic
/// check on every access, measured at about a tenth of the time for 20 M short lines).
struct StreamRecorder {
    private let sink: CapturedEventSink
    private let stream: OutputStream
    /// Turns a finished burst into a recorded event (captures no `self`).
    private let emit: (BurstGrouper.Burst) -> Void
    private var splitter: LineSplitter
    private var grouper: BurstGrouper
    private var budget: CaptureBudget
    /// The recorded length of a line; the splitter keeps `redactionMargin` more, so a
    /// secret crossing the cut is redacted whole before the line is cut here.
    private let maxLineBytes: Int
    /// For the terminal stream: what turns screen output into readable text.
    private var screen: TerminalTextFilter?
    /// Bytes of the stream taken so far (after the screen filter): where the tail begins
    /// places its ring (`CaptureBudget.keep`).
    private var streamBytes = 0
    /// The chunk being split into lines and where it begins in the stream: a line that
    /// lies in it is placed by its offset when it begins the tail.
    private var chunkInFeed: (bytes: UnsafeRawBufferPointer, streamOffset: Int)?

    /// Where events are recorded from, in order (big ones on a thread of its own).
    private let queue: RecordingQueue

    init(stream: OutputStream, sink: CapturedEventSink, limits: CaptureLimits, queue: RecordingQueue) {
        self.sink = sink
        self.stream = stream
        self.queue = queue
        emit = { burst in
            queue.record(bytes: burst.text.count) {
                let text = Self.haveRoom(toRecord: burst.text.count, checkingFrom: limits.roomCheckBytes)
                    ? String(decoding: burst.text, as: UTF8.self)
                    : BurstGrouper.noRoomText(lines: burst.lineCount, bytes: burst.text.count)
                switch stream {
                case .stdout: sink.record(.stdout(text, from: burst.start, to: burst.end, session: sink.sessionID))
                case .stderr: sink.record(.stderr(text, from: burst.start, to: burst.end, session: sink.sessionID))
                case .terminal: sink.record(.terminal(text, from: burst.start, to: burst.end, session: sink.sessionID))
                }
            }
        }
        maxLineBytes = limits.maxLineBytes
        splitter = LineSplitter(maxLineBytes: limits.maxLineBytes + sink.redactionMargin)
        grouper = BurstGrouper(limits: limits)
        budget = CaptureBudget(limit: limits.capturePerStream, maxLineBytes: limits.maxLineBytes,
                               redactionMargin: sink.redactionMargin, maxTailBytes: limits.maxTailBytes)
        screen = stream == .terminal ? TerminalTextFilter() : nil
    }

    /// Whether the allocator has room to record an event of `bytes` bytes of text: its
    /// string, its JSON and its line take a few times its size, each a Swift allocation,
    /// which ends the process where it fails. An event below `threshold` is taken on
    /// trust; a bigger one is looked at first (a tight `ulimit -v` killed a flood's run
    /// this way, its output cut short: second hostile pass, round 10).
    static func haveRoom(toRecord bytes: Int, checkingFrom threshold: Int) -> Bool {
        bytes < threshold || FallibleBuffer.available(bytes.multipliedReportingOverflow(by: 4).partialValue)
    }

    /// When the open event must be recorded if no more lines come.
    var deadline: Timestamp? { grouper.deadline }

    /// Takes a chunk read at `time`: line by line while the head has room, then raw
    /// into the capture budget's tail.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, at time: Timestamp) {
        if var screen {
            let text = screen.filter(chunk)
            self.screen = nil
            text.withUnsafeBytes { feedText($0, at: time) }
            self.screen = screen
            return
        }
        feedText(chunk, at: time)
    }

    /// Whether the next chunk can be read straight into the capture ring
    /// (`feedInPlace`): in the raw tail, unless a screen filter rewrites the bytes.
    var readsInPlace: Bool { screen == nil && budget.readsInPlace }

    /// In the raw tail (`readsInPlace`): `fill` reads the next chunk straight into the
    /// capture ring, at most `limit` bytes, and passes it through; the chunk is then
    /// recorded as `feed` records it, without copying it.
    mutating func feedInPlace(upTo limit: Int,
                              _ fill: (UnsafeMutableRawBufferPointer) -> (count: Int, read: Timestamp)) {
        streamBytes += budget.keepInPlace(upTo: limit, streamOffset: streamBytes, fill).count
    }

    private mutating func feedText(_ chunk: UnsafeRawBufferPointer, at time: Timestamp) {
        let offset = streamBytes
        streamBytes += chunk.count
        guard !budget.inTail else {
            budget.keep(chunk, read: time, streamOffset: offset)
            return
        }
        // The splitter is taken out while it calls back into `self` for each line.
        var splitter = self.splitter
        self.splitter = LineSplitter(maxLineBytes: 1)
        chunkInFeed = (chunk, offset)
        let taken = splitter.feed(chunk, at: time, runLimit: maxLineBytes,
                                  lines: { run in admit(lines: run, read: time) },
                                  until: { line in accept(line, read: time) })
        chunkInFeed = nil
        self.splitter = splitter
        if taken < chunk.count {
            budget.keep(UnsafeRawBufferPointer(rebasing: chunk[taken...]), read: time, streamOffset: offset + taken)
        }
    }

    /// Records the open event if its window has passed.
    mutating func flushIfDue(at time: Timestamp) {
        grouper.flushIfDue(at: time, emit: emit)
    }

    /// The stream ended: the last line, the open event, then — over the capture limit —
    /// the marker of what was left out and the tail.
    mutating func finish(at time: Timestamp) {
        var splitter = self.splitter
        self.splitter = LineSplitter(maxLineBytes: 1)
        splitter.finish { line in _ = accept(line, read: time, terminated: false) }
        let (sink, stream, emit, queue) = (self.sink, self.stream, self.emit, self.queue)
        grouper.flush(emit: emit)
        // Taken out, not copied, while the budget calls back into it: a copy shared the
        // open event's megabyte buffer, so the tail's first line copied it into a fresh
        // one (faulting its pages in) while agentops-run's exit waited.
        var grouper = BurstGrouper(limits: .standard)
        swap(&grouper, &self.grouper)
        budget.finish(omission: { omission in
            queue.record(bytes: 0) {
                sink.record(.captureLimit(CaptureBudget.marker(omission, stream: stream), from: omission.from,
                                          to: omission.to, session: sink.sessionID))
            }
        }, runs: { run, read in
            grouper.add(lines: run, at: read, emit: emit)
        }, tail: { [maxLineBytes] line in
            let whole = LineSplitter.Line(bytes: line.bytes, droppedBytes: line.droppedBytes, start: line.read)
            guard whole.bytes.count > maxLineBytes else { return grouper.add(whole, at: line.read, emit: emit) }
            Self.redactedCut(whole, sink: sink, maxLineBytes: maxLineBytes) { grouper.add($0, at: line.read, emit: emit) }
        })
        grouper.flush(emit: emit, last: true)
        self.grouper = grouper
    }

    /// Records `line` if the head has room; false once it is full.
    private mutating func accept(_ line: LineSplitter.Line, read: Timestamp, terminated: Bool = true) -> Bool {
        guard line.bytes.count > maxLineBytes else { return admit(line, read: read, terminated: terminated) }
        return Self.redactedCut(line, sink: sink, maxLineBytes: maxLineBytes) {
            admit($0, read: read, terminated: terminated)
        }
    }

    /// A line over the limit (rare), redacted while whole, then cut, to `body`.
    ///
    /// The cut is not made inside a `[REDACTED]`: half of one read as a damaged record
    /// (second hostile pass, round 10). What it dropped counts the line's own bytes.
    static func redactedCut<Result>(_ line: LineSplitter.Line, sink: CapturedEventSink, maxLineBytes: Int,
                                    _ body: (LineSplitter.Line) -> Result) -> Result {
        let redacted = Array(sink.redact(String(decoding: line.bytes, as: UTF8.self)).utf8)
        return redacted.withUnsafeBytes { raw in
            let kept = cutOutside(Array(sink.redactionReplacement.utf8), of: raw,
                                  at: LineSplitter.cutPoint(raw, limit: maxLineBytes))
            let cut = LineSplitter.Line(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<kept]),
                                        droppedBytes: line.droppedBytes + max(0, line.bytes.count - kept),
                                        start: line.start)
            return body(cut)
        }
    }

    /// `cut`, moved back to the start of a `replacement` in `bytes` that it would split.
    static func cutOutside(_ replacement: [UInt8], of bytes: UnsafeRawBufferPointer, at cut: Int) -> Int {
        guard cut > 0, cut < bytes.count, !replacement.isEmpty else { return cut }
        for start in max(0, cut - replacement.count + 1)..<cut where start + replacement.count <= bytes.count {
            if bytes[start..<(start + replacement.count)].elementsEqual(replacement) { return start }
        }
        return cut
    }

    /// Records the whole lines of `run` (each within the line limit, with its newline)
    /// while the head has room.
    ///
    /// - Returns: how many bytes of `run` were taken: all of them, or up to the end of
    ///   the first line the head had no room for, which begins the tail; and whether
    ///   the head still has room (the rest of the chunk goes to the tail if not).
    private mutating func admit(lines run: UnsafeRawBufferPointer, read: Timestamp) -> (taken: Int, goOn: Bool) {
        let fitting = budget.admit(lines: run)
        if fitting > 0 { grouper.add(lines: UnsafeRawBufferPointer(rebasing: run[0..<fitting]), at: read, emit: emit) }
        guard fitting < run.count, let base = run.baseAddress else { return (run.count, true) }
        let next = base + fitting
        let length = ByteSearch.first(0x0A, in: next, count: run.count - fitting).map { next.distance(to: $0) }
            ?? run.count - fitting
        _ = admit(LineSplitter.Line(bytes: UnsafeRawBufferPointer(start: next, count: length), droppedBytes: 0,
                                    start: read), read: read, terminated: true)
        return (min(run.count, fitting + length + 1), false)
    }

    private mutating func admit(_ line: LineSplitter.Line, read: Timestamp, terminated: Bool) -> Bool {
        // Where the line begins in the stream, when it lies in the chunk being fed (else,
        // a line put together across chunks, about where: it only places the ring).
        var lineOffset = chunkInFeed?.streamOffset ?? streamBytes
        if let (chunk, offset) = chunkInFeed, let start = line.bytes.baseAddress, let base = chunk.baseAddress,
           start >= base, start < base + chunk.count {
            lineOffset = offset + base.distance(to: start)
        }
        guard budget.admit(line, read: read, terminated: terminated, streamOffset: lineOffset) else { return false }
        grouper.add(line, at: read, emit: emit)
        return true
    }
}
