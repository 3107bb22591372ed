/// Splits a byte stream into lines, keeping at most `maxLineBytes` of each.
///
/// Lines that lie wholly inside one chunk are handed on without copying; only a line
/// that spans chunks is buffered, and never beyond the limit, so memory stays flat
/// even for a 200 MB line with no newline.
public struct LineSplitter {
    /// A completed line as handed to the consumer.
    public struct Line {
        /// The kept bytes, without the newline. They point into the chunk being fed or
        /// the splitter's own buffer, and are valid only during the callback that hands
        /// the line over: copy what must outlive it (no copy is made for the common
        /// case, a line wholly inside one chunk).
        public var bytes: UnsafeRawBufferPointer
        /// Bytes of the line that were not kept.
        public var droppedBytes: Int
        /// When the line's first bytes were read.
        public var start: Timestamp
    }

    private let maxLineBytes: Int
    private var partial: [UInt8] = []
    private var partialDropped = 0
    private var partialStart: Timestamp?

    /// A splitter keeping at most `maxLineBytes` of each line.
    public init(maxLineBytes: Int) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Feeds one chunk read at `time`; calls `line` for each line it completes.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, at time: Timestamp, line: (Line) -> Void) {
        _ = feed(chunk, at: time, until: { line($0); return true })
    }

    /// Feeds one chunk read at `time`, calling `until` for each line it completes and
    /// stopping right after a line for which it returns false.
    ///
    /// - Returns: how many bytes of `chunk` were taken (all of them, unless stopped).
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, at time: Timestamp,
                              until: (Line) -> Bool) -> Int {
        feed(chunk, at: time, runLimit: nil, lines: { _ in (0, false) }, until: until)
    }

    /// Feeds one chunk read at `time` as `feed(_:at:until:)` does, except that runs of
    /// whole lines lying in the chunk, each at most `runLimit` bytes, go to `lines`
    /// together, as they lie in the chunk (each line with its newline).
    ///
    /// Those lines need no cutting and no copy, and for a flood of short lines a call
    /// per line (a search for its newline, an append, a budget check) cost more than
    /// everything else recording them: a run is found with one search from the back of
    /// the chunk, and recorded with one copy. `lines` returns how many bytes of the run
    /// it took, ending on a newline, and whether to go on: fewer than all, or all and
    /// no going on, stops the feed there. (A taker that took the run's last line but
    /// wants nothing more, the capture head full at it, was fed on: the chunk's
    /// unfinished last line was held here as a partial line while the bytes after it
    /// went to the capture tail, and came out at the stream's end, out of place.)
    ///
    /// - Parameter runLimit: the longest line a run may hold; nil hands every line to
    ///   `until`.
    /// - Returns: how many bytes of `chunk` were taken (all of them, unless stopped).
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, at time: Timestamp, runLimit: Int?,
                              lines: (UnsafeRawBufferPointer) -> (taken: Int, goOn: Bool),
                              until: (Line) -> Bool) -> Int {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return 0 }
        var offset = 0
        while offset < chunk.count {
            if partialStart == nil, let runLimit {
                let run = Self.wholeLines(base + offset, count: chunk.count - offset, limit: runLimit)
                if run > 0 {
                    let (taken, goOn) = lines(UnsafeRawBufferPointer(start: base + offset, count: run))
                    offset += taken
                    if taken < run || !goOn { return offset }
                    continue
                }
            }
            let rest = chunk.count - offset
            guard let found = ByteSearch.first(0x0A, in: base + offset, count: rest) else {
                appendPartial(UnsafeRawBufferPointer(start: base + offset, count: rest), at: time)
                return chunk.count
            }
            let end = base.distance(to: found)
            let piece = UnsafeRawBufferPointer(start: base + offset, count: end - offset)
            var goOn = true
            if partialStart == nil {
                let kept = Self.cutPoint(piece, limit: maxLineBytes)
                goOn = until(Line(bytes: UnsafeRawBufferPointer(rebasing: piece[0..<kept]),
                                  droppedBytes: piece.count - kept, start: time))
            } else {
                appendPartial(piece, at: time)
                emitPartial { goOn = until($0) }
            }
            offset = end + 1
            if !goOn { return offset }
        }
        return chunk.count
    }

    /// The length of the longest start of the `count` bytes at `start` that is whole
    /// lines of at most `limit` bytes each: 0 when the first line is longer or has no
    /// newline yet.
    ///
    /// Searching back from `limit + 1` bytes on, the last newline there ends a run of
    /// lines none of which can be longer than `limit`; the next search starts after it.
    /// Short lines take one search per chunk, and every byte is looked at once.
    static func wholeLines(_ start: UnsafeRawPointer, count: Int, limit: Int) -> Int {
        let limit = max(0, limit)
        var end = 0
        while end < count {
            let window = count - end <= limit ? count - end : limit + 1
            guard let newline = ByteSearch.last(0x0A, in: start + end, count: window) else { break }
            end = start.distance(to: newline) + 1
        }
        return end
    }

    /// Hands on the unfinished last line, if any (the stream ended without a newline).
    public mutating func finish(line: (Line) -> Void) {
        if partialStart != nil { emitPartial(line) }
    }

    private mutating func appendPartial(_ bytes: UnsafeRawBufferPointer, at time: Timestamp) {
        if partialStart == nil { partialStart = time }
        let room = maxLineBytes - partial.count
        if partialDropped == 0, room > 0 {
            let take = min(room, bytes.count)
            partial.append(contentsOf: bytes[0..<take])
            partialDropped = bytes.count - take
        } else {
            partialDropped += bytes.count
        }
    }

    private mutating func emitPartial(_ line: (Line) -> Void) {
        var kept = partial.count
        if partialDropped > 0 {
            kept = partial.withUnsafeBytes { Self.characterBoundary($0, atMost: $0.count) }
        }
        let dropped = partialDropped + (partial.count - kept)
        partial.withUnsafeBytes { raw in
            line(Line(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<kept]), droppedBytes: dropped,
                      start: partialStart!))
        }
        partial.removeAll(keepingCapacity: partial.capacity <= 1 << 16)
        partialDropped = 0
        partialStart = nil
    }

    /// How many bytes of `bytes` to keep so that at most `limit` are kept and no
    /// UTF-8 character is split at the cut (the record then ends cleanly, not with
    /// U+FFFD). Bytes that are not valid UTF-8 are kept as they are.
    static func cutPoint(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Int {
        bytes.count <= limit ? bytes.count : characterBoundary(bytes, atMost: limit)
    }

    /// The largest length ≤ `cut` that ends on a whole UTF-8 character.
    static func characterBoundary(_ bytes: UnsafeRawBufferPointer, atMost cut: Int) -> Int {
        var index = cut
        while index > 0, cut - index < 4 {
            index -= 1
            let byte = bytes[index]
            guard byte & 0xC0 == 0x80 else {
                let length = byte < 0xC0 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
                return index + length > cut ? index : cut
            }
        }
        return cut
    }
}
