/// Bounds what is recorded of one stream: the head as it streams, then only the last
/// part, kept in a fixed ring and recorded when the stream ends, with the exact count
/// of what was left out between them. Pass-through is never affected.
///
/// The head is admitted line by line and counts what is recorded (a line's kept bytes
/// and its newline), so a 200 MB line still has its cut head recorded. Past the head
/// the stream is kept raw, chunk by chunk — no per-line work but counting newlines —
/// in a ring holding its last part; lines are split out of it once, at the end. What
/// was left out is counted in the stream's own bytes, exactly.
public struct CaptureBudget {
    /// What was left out between the head and the tail.
    public struct Omission: Equatable, Sendable {
        /// Whole lines left out.
        public var lines: Int
        /// Their bytes, newlines included.
        public var bytes: Int
        /// When the first of them was read.
        public var from: Timestamp
        /// When the last of them was read.
        public var to: Timestamp
    }

    /// A line of the tail.
    public struct TailLine {
        /// The kept bytes (cut at the line limit). They point into the budget's ring and
        /// are valid only during the `tail` callback that hands the line over: copy
        /// what must outlive it.
        public var bytes: UnsafeRawBufferPointer
        /// Bytes of the line that were not kept (cut).
        public var droppedBytes: Int
        /// When its chunk was read.
        public var read: Timestamp
    }

    /// At most this many lines are recorded from the tail.
    public static let maxTailLines = 65_536
    /// At most this many chunk read times are remembered; older ones are merged.
    static let maxChunkTimes = 4096

    private let headLimit: Int
    private let tailLimit: Int
    private let maxLineBytes: Int
    /// Where the tail's lines are cut: past `maxLineBytes` by the redaction margin, so
    /// that the recorder redacts a long line while whole and then cuts it, as it does
    /// the head's (cut first, a secret across the cut had its start recorded: second
    /// hostile pass, round 10).
    private let tailLineBytes: Int
    private var headUsed = 0
    /// Whether the head is full and the stream is now kept raw.
    public private(set) var inTail = false

    /// The bytes the line at the border lost to its cut (`LineSplitter`) before it
    /// became the raw tail's first line: they are counted with that line, recorded cut
    /// or left out.
    private var borderDropped = 0
    /// At least the last `tailLimit + 1` bytes of the raw tail (the extra byte tells
    /// whether the kept window starts at a line boundary), each at its offset in the
    /// stream modulo the ring's size (see `CaptureRing`); nil until the tail begins.
    private var ring: CaptureRing?
    /// Where the next raw byte goes in `ring`.
    private var ringWrite = 0
    /// Bytes and newlines of the raw tail.
    private var rawBytes = 0
    private var rawNewlines = 0
    /// The last raw byte (whether the stream ended mid-line).
    private var lastRawByte: UInt8?
    /// (raw offset just past a chunk, when it was read), oldest first, from `chunkHead`.
    private var chunkTimes: [(end: Int, read: Timestamp)] = []
    private var chunkHead = 0
    private var forgottenTime: Timestamp?
    private var firstRawTime: Timestamp?

    /// A budget of `limit` recorded bytes: up to `maxTailBytes` (or half, if smaller) for the
    /// tail, the rest for the head. 0 records nothing and counts everything left out.
    public init(limit: Int, maxLineBytes: Int = CaptureLimits.standard.maxLineBytes, redactionMargin: Int = 0,
                maxTailBytes: Int = 1 << 20) {
        let total = max(0, limit)
        tailLimit = min(max(0, maxTailBytes), total / 2)
        headLimit = total - tailLimit
        self.maxLineBytes = maxLineBytes
        tailLineBytes = maxLineBytes + max(0, redactionMargin)
    }

    /// Whether `line` is recorded now (the head). When it is not, the head is full: the
    /// line is the tail's first (kept as `keep` keeps bytes), and the rest of the stream
    /// goes to `keep`. Kept there, the line at the border no longer went missing from a
    /// stream just over the head that the tail could hold (its last line, for a 15 MiB
    /// output: hostile pass, round 10), nor, when it was cut, counted as left out below
    /// the limit (second hostile pass): it is recorded cut, with what it lost.
    ///
    /// - Parameters:
    ///   - terminated: false for a last line the stream ended without a newline.
    ///   - streamOffset: where in the whole stream the line begins (as for `keep`).
    public mutating func admit(_ line: LineSplitter.Line, read: Timestamp, terminated: Bool = true,
                               streamOffset: Int = 0) -> Bool {
        if !inTail, headUsed + line.bytes.count + 1 <= headLimit {
            headUsed += line.bytes.count + 1
            return true
        }
        inTail = true
        borderDropped = line.droppedBytes
        keep(line.bytes, read: read, streamOffset: streamOffset)
        if terminated {
            withUnsafeBytes(of: UInt8(0x0A)) {
                keep($0, read: read, streamOffset: streamOffset &+ line.bytes.count &+ line.droppedBytes)
            }
        }
        return false
    }

    /// Admits the whole lines at the start of `run` (each with its newline) that fit in
    /// the head, as `admit(_:read:)` would one by one, with one search instead of a
    /// check per line.
    ///
    /// - Returns: how many bytes of `run` were admitted, ending on a newline. When not
    ///   all, the next line does not fit: the caller hands it to `admit(_:read:)`, which
    ///   counts it as left out.
    public mutating func admit(lines run: UnsafeRawBufferPointer) -> Int {
        guard !inTail else { return 0 }
        let room = headLimit - headUsed
        if run.count <= room {
            headUsed += run.count
            return run.count
        }
        guard room > 0, let base = run.baseAddress, let newline = ByteSearch.last(0x0A, in: base, count: room) else {
            return 0
        }
        let taken = base.distance(to: newline) + 1
        headUsed += taken
        return taken
    }

    /// Keeps raw stream bytes read at `read`, once the head is full.
    ///
    /// - Parameter streamOffset: where in the whole stream `bytes` begin. Only the first
    ///   raw bytes' offset is used: it places the ring so that later chunks, read in
    ///   place, land at the offset within a page that they have in the pipe.
    public mutating func keep(_ bytes: UnsafeRawBufferPointer, read: Timestamp, streamOffset: Int = 0) {
        guard bytes.count > 0 else { return }
        count(bytes, read: read)
        guard tailLimit > 0 else { return }
        let ring = uniqueRing(startingAt: streamOffset)
        let capacity = ring.bytes.count
        var source = bytes
        if source.count > capacity {
            source = UnsafeRawBufferPointer(rebasing: source[(source.count - capacity)...])
            ringWrite = (ringWrite + (bytes.count - capacity) % capacity) % capacity
        }
        let target = ring.bytes.baseAddress!
        let firstPart = min(source.count, capacity - ringWrite)
        (target + ringWrite).copyMemory(from: source.baseAddress!, byteCount: firstPart)
        if firstPart < source.count {
            target.copyMemory(from: source.baseAddress! + firstPart, byteCount: source.count - firstPart)
        }
        ringWrite = (ringWrite + source.count) % capacity
        forgetOldChunkTimes(window: tailLimit + 1)
    }

    /// Whether the next chunk can be read straight into the tail's ring (`keepInPlace`).
    public var readsInPlace: Bool { inTail && tailLimit > 0 }

    /// Once in the tail (`readsInPlace`): `fill` reads the next chunk straight into the
    /// ring, at most `limit` bytes (fewer where the ring wraps), and says how many it read
    /// and when; they are kept as `keep` keeps them, without copying them.
    ///
    /// The raw tail is most of a flood's bytes (153 of 169 MB for 20 M lines): read into
    /// the pump's buffer, every one of them was copied once more only to keep the last
    /// megabyte.
    ///
    /// - Returns: what `fill` returned.
    ///
    /// - Parameter streamOffset: where in the whole stream the chunk begins (as for `keep`).
    public mutating func keepInPlace(
        upTo limit: Int, streamOffset: Int = 0, _ fill: (UnsafeMutableRawBufferPointer) -> (count: Int, read: Timestamp)
    ) -> (count: Int, read: Timestamp) {
        let ring = uniqueRing(startingAt: streamOffset)
        let capacity = ring.bytes.count
        let start = ringWrite
        let end = start + min(max(1, limit), capacity - start)
        let result = fill(UnsafeMutableRawBufferPointer(rebasing: ring.bytes[start..<end]))
        guard result.count > 0 else { return result }
        count(UnsafeRawBufferPointer(rebasing: ring.bytes[start..<(start + result.count)]), read: result.read)
        ringWrite = (start + result.count) % capacity
        forgetOldChunkTimes(window: tailLimit + 1)
        return result
    }

    /// The ring, made on first use and copied first if another budget shares it.
    ///
    /// - Parameter streamOffset: where the bytes about to be written begin in the stream;
    ///   used only by the first raw bytes, which make the ring and are placed by it.
    private mutating func uniqueRing(startingAt streamOffset: Int) -> CaptureRing {
        if ring == nil {
            let made = CaptureRing(minimumCapacity: tailLimit + 1)
            ringWrite = max(0, streamOffset) % made.bytes.count
            ring = made
        } else if !isKnownUniquelyReferenced(&ring) {
            ring = ring!.copy()
        }
        return ring!
    }

    /// Counts raw tail bytes (and their newlines) read at `read`.
    private mutating func count(_ bytes: UnsafeRawBufferPointer, read: Timestamp) {
        rawBytes += bytes.count
        rawNewlines += Self.countNewlines(bytes)
        lastRawByte = bytes[bytes.count - 1]
        if firstRawTime == nil { firstRawTime = read }
        chunkTimes.append((rawBytes, read))
    }

    /// Drops read times of chunks wholly out of the ring, and merges neighbours when
    /// there are too many (a fast stream of tiny chunks), keeping the later time. Both
    /// are amortised O(1) per chunk.
    private mutating func forgetOldChunkTimes(window: Int) {
        let windowStart = rawBytes - window
        while chunkHead < chunkTimes.count - 1, chunkTimes[chunkHead].end <= windowStart {
            forgottenTime = chunkTimes[chunkHead].read
            chunkHead += 1
        }
        if chunkHead > 1024, chunkHead * 2 > chunkTimes.count {
            chunkTimes.removeSubrange(..<chunkHead)
            chunkHead = 0
        }
        if chunkTimes.count - chunkHead > Self.maxChunkTimes {
            let live = chunkTimes[chunkHead...]
            chunkTimes = stride(from: live.startIndex, to: live.endIndex, by: 2).map { live[min($0 + 1, live.endIndex - 1)] }
            chunkHead = 0
        }
    }

    /// Read times of raw offsets asked for in increasing order.
    private struct ReadTimes {
        let times: ArraySlice<(end: Int, read: Timestamp)>
        let fallback: Timestamp
        lazy var index = times.startIndex

        /// When the chunk holding `offset` was read, and the raw offset just past that
        /// chunk (nil when no chunk is known to hold it).
        mutating func chunk(holding offset: Int) -> (read: Timestamp, end: Int?) {
            while index < times.endIndex, times[index].end <= offset { index += 1 }
            return index < times.endIndex ? (times[index].read, times[index].end) : (times.last?.read ?? fallback, nil)
        }
    }

    /// At the end of the stream: what was left out (if anything), then the lines of the
    /// tail in order, each read when the chunk holding its last byte was read.
    ///
    /// - Parameters:
    ///   - runs: when given, takes the tail's runs of whole lines read together, each
    ///     within the line limit and with its newline (as `LineSplitter`'s runs), so the
    ///     65,536 lines of a flood's tail are a few hundred calls, not one each; `tail`
    ///     then gets only the lines to cut and a last line without a newline.
    ///   - tail: each line of the tail (not given to `runs`).
    public func finish(omission: (Omission) -> Void,
                       runs: ((UnsafeRawBufferPointer, Timestamp) -> Void)? = nil,
                       tail: (TailLine) -> Void) {
        let stored = tailLimit > 0 ? min(rawBytes, tailLimit + 1) : 0
        let window = oldestFirst(stored)
        let windowOffset = rawBytes - stored
        window.withUnsafeBytes { raw in
            let base = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            // Lines begin at `begin`: the raw tail starts on a line boundary; a window that
            // lost its beginning starts after the first newline in it (or is all one line).
            var begin = 0
            if rawBytes > tailLimit, stored > 0 {
                begin = ByteSearch.first(0x0A, in: base, count: stored).map { base.distance(to: $0) + 1 } ?? stored
            }
            let unterminated = begin < stored && raw[stored - 1] != 0x0A
            let windowLines = Self.countNewlines(UnsafeRawBufferPointer(rebasing: raw[begin..<stored]))
                + (unterminated ? 1 : 0)
            let keptLines = min(windowLines, Self.maxTailLines)
            let first = begin + Self.offset(afterNewlines: windowLines - keptLines,
                                            in: UnsafeRawBufferPointer(rebasing: raw[begin..<stored]))
            let keptBytes = keptLines > 0 ? stored - first : 0
            let endsMidLine = rawBytes > 0 && lastRawByte != 0x0A
            let totalRawLines = rawNewlines + (endsMidLine ? 1 : 0)

            var times = ReadTimes(times: chunkTimes[chunkHead...], fallback: forgottenTime ?? Timestamp(microseconds: 0))
            var omitted = Omission(lines: 0, bytes: 0, from: Timestamp(microseconds: 0), to: Timestamp(microseconds: 0))
            let rawOmittedLines = totalRawLines - keptLines
            // Whether the tail's first line is the raw tail's first, the border line.
            let keepsBorder = keptLines > 0 && windowOffset + first == 0
            if rawOmittedLines > 0 {
                let firstTime = firstRawTime ?? Timestamp(microseconds: 0)
                omitted.from = firstTime
                omitted.lines = rawOmittedLines
                omitted.bytes = rawBytes - keptBytes + (keepsBorder ? 0 : borderDropped)
                omitted.to = rawBytes - keptBytes - 1 < windowOffset ? (forgottenTime ?? firstTime)
                    : times.chunk(holding: rawBytes - keptBytes - 1).read
            }
            if omitted.lines > 0 { omission(omitted) }

            /// One line of the window, cut at the line limit, to `tail` (the border line with
            /// what it lost before).
            func emit(_ range: Range<Int>, read: Timestamp) {
                let line = UnsafeRawBufferPointer(rebasing: raw[range])
                let kept = LineSplitter.cutPoint(line, limit: tailLineBytes)
                let before = keepsBorder && range.lowerBound == first ? borderDropped : 0
                tail(TailLine(bytes: UnsafeRawBufferPointer(rebasing: line[0..<kept]), droppedBytes: line.count - kept + before,
                              read: read))
            }
            var lineStart = first
            while lineStart < stored {
                guard let found = ByteSearch.first(0x0A, in: base + lineStart, count: stored - lineStart) else {
                    emit(lineStart..<stored, read: times.chunk(holding: rawBytes - 1).read)
                    break
                }
                // The lines whose last byte is in the same chunk as this one's share its time.
                let newline = base.distance(to: found)
                let chunk = times.chunk(holding: windowOffset + newline - 1)
                let searchEnd = chunk.end.map { min(stored, $0 - windowOffset + 1) } ?? stored
                let runEnd = ByteSearch.last(0x0A, in: found, count: searchEnd - newline).map { base.distance(to: $0) + 1 }
                    ?? newline + 1
                while lineStart < runEnd {
                    let whole = runs == nil || keepsBorder && borderDropped > 0 && lineStart == first ? 0
                        : LineSplitter.wholeLines(base + lineStart, count: runEnd - lineStart, limit: maxLineBytes)
                    if whole > 0, let runs {
                        runs(UnsafeRawBufferPointer(start: base + lineStart, count: whole), chunk.read)
                        lineStart += whole
                        continue
                    }
                    let end = base.distance(to: ByteSearch.first(0x0A, in: base + lineStart, count: runEnd - lineStart)!)
                    emit(lineStart..<end, read: chunk.read)
                    lineStart = end + 1
                }
            }
        }
    }

    /// The last `stored` bytes of the ring (at most what was kept), oldest first.
    private func oldestFirst(_ stored: Int) -> [UInt8] {
        guard stored > 0, let ring else { return [] }
        let capacity = ring.bytes.count
        let start = (ringWrite - stored % capacity + capacity) % capacity
        return [UInt8](unsafeUninitializedCapacity: stored) { target, initialized in
            let firstPart = min(stored, capacity - start)
            let output = UnsafeMutableRawBufferPointer(target)
            output.baseAddress!.copyMemory(from: ring.bytes.baseAddress! + start, byteCount: firstPart)
            if firstPart < stored {
                (output.baseAddress! + firstPart).copyMemory(from: ring.bytes.baseAddress!, byteCount: stored - firstPart)
            }
            initialized = stored
        }
    }

    /// The offset just past the `count`th newline of `bytes` (0 for none), counted a
    /// block at a time, then found in its block.
    static func offset(afterNewlines count: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        guard count > 0, let base = bytes.baseAddress else { return 0 }
        var left = count
        var index = 0
        while index < bytes.count {
            let block = min(4096, bytes.count - index)
            let inBlock = countNewlines(UnsafeRawBufferPointer(start: base + index, count: block))
            if inBlock < left {
                left -= inBlock
                index += block
                continue
            }
            while let newline = ByteSearch.first(0x0A, in: base + index, count: bytes.count - index) {
                index = base.distance(to: newline) + 1
                left -= 1
                if left == 0 { break }
            }
            return index
        }
        return index
    }

    /// Newlines in `bytes`, 32 at a time: per 64-bit word, a byte is zero after XOR with
    /// `\n`s exactly when its high bit survives `~((x & 0x7F…) + 0x7F… | x)` (the
    /// addition cannot carry between bytes); shifted down, that is a 1 in each such
    /// byte. Four words' ones are summed bytewise for up to 255 rounds, then folded
    /// into the count: no popcount (not in the baseline x86-64 this is built for), and
    /// four independent sums keep the CPU busy. Everything past the capture head goes
    /// through here, so this is the per-byte cost of a long run's output.
    static func countNewlines(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        @inline(__always) func ones(_ offset: Int) -> UInt64 {
            let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ newlines
            return (~(((word & low7) &+ low7) | word) & ~low7) >> 7
        }
        @inline(__always) func total(_ lanes: UInt64) -> Int {
            let pairs = (lanes & 0x00FF_00FF_00FF_00FF) &+ ((lanes >> 8) & 0x00FF_00FF_00FF_00FF)
            return Int((pairs &* 0x0001_0001_0001_0001) >> 48)
        }
        var count = 0
        var index = 0
        while index + 32 <= bytes.count {
            var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0
            let stop = min(bytes.count - 31, index + 255 * 32)
            while index < stop {
                a &+= ones(index)
                b &+= ones(index + 8)
                c &+= ones(index + 16)
                d &+= ones(index + 24)
                index += 32
            }
            count += total(a) + total(b) + total(c) + total(d)
        }
        while index < bytes.count {
            if bytes[index] == 0x0A { count += 1 }
            index += 1
        }
        return count
    }

    /// The marker recorded between the head and the tail.
    public static func marker(_ omission: Omission, stream: OutputStream) -> String {
        "[agentops-run: capture limit reached: \(omission.lines) lines (\(omission.bytes) bytes) of "
            + "\(stream.rawValue) left out here]"
    }
}
