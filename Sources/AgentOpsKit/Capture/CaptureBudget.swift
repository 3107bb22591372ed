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
    private var headUsed = 0
    /// Whether the head is full and the stream is now kept raw.
    public private(set) var inTail = false

    /// Lines and bytes left out before the raw tail began (the line that did not fit).
    private var omittedBefore = Omission(lines: 0, bytes: 0, from: Timestamp(microseconds: 0),
                                         to: Timestamp(microseconds: 0))
    /// The last `tailLimit + 1` bytes of the raw tail (the extra byte tells whether the
    /// kept window starts at a line boundary).
    private var ring: [UInt8] = []
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

    /// A budget of `limit` recorded bytes: up to 1 MiB (or half, if smaller) for the
    /// tail, the rest for the head. 0 records nothing and counts everything left out.
    public init(limit: Int, maxLineBytes: Int = CaptureLimits.standard.maxLineBytes) {
        let total = max(0, limit)
        tailLimit = min(1 << 20, total / 2)
        headLimit = total - tailLimit
        self.maxLineBytes = maxLineBytes
    }

    /// Whether `line` is recorded now (the head). When it is not, the head is full: the
    /// line is counted as left out, and the rest of the stream goes to `keep`.
    ///
    /// - Parameter terminated: false for a last line the stream ended without a newline.
    public mutating func admit(_ line: LineSplitter.Line, read: Timestamp, terminated: Bool = true) -> Bool {
        if !inTail, headUsed + line.bytes.count + 1 <= headLimit {
            headUsed += line.bytes.count + 1
            return true
        }
        if omittedBefore.lines == 0 { omittedBefore.from = read }
        inTail = true
        omittedBefore.lines += 1
        omittedBefore.bytes += line.bytes.count + line.droppedBytes + (terminated ? 1 : 0)
        omittedBefore.to = read
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
    public mutating func keep(_ bytes: UnsafeRawBufferPointer, read: Timestamp) {
        guard bytes.count > 0 else { return }
        rawBytes += bytes.count
        rawNewlines += Self.countNewlines(bytes)
        lastRawByte = bytes[bytes.count - 1]
        if firstRawTime == nil { firstRawTime = read }
        chunkTimes.append((rawBytes, read))
        let capacity = tailLimit + 1
        guard tailLimit > 0 else { return }
        if ring.count < capacity { ring = [UInt8](repeating: 0, count: capacity) }
        var source = bytes
        if source.count > capacity { source = UnsafeRawBufferPointer(rebasing: source[(source.count - capacity)...]) }
        ring.withUnsafeMutableBytes { target in
            let first = min(source.count, capacity - ringWrite)
            target.baseAddress!.advanced(by: ringWrite).copyMemory(from: source.baseAddress!, byteCount: first)
            if first < source.count {
                target.baseAddress!.copyMemory(from: source.baseAddress! + first, byteCount: source.count - first)
            }
        }
        ringWrite = (ringWrite + source.count) % capacity
        forgetOldChunkTimes(window: capacity)
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

        mutating func of(_ offset: Int) -> Timestamp {
            while index < times.endIndex, times[index].end <= offset { index += 1 }
            return index < times.endIndex ? times[index].read : (times.last?.read ?? fallback)
        }
    }

    /// At the end of the stream: what was left out (if anything), then each line of
    /// the tail in order.
    public func finish(omission: (Omission) -> Void, tail: (TailLine) -> Void) {
        let capacity = tailLimit + 1
        let stored = tailLimit > 0 ? min(rawBytes, capacity) : 0
        // Oldest first: the bytes from the write position on, then those before it.
        let window = stored > 0 ? Array((ring[ringWrite...] + ring[..<ringWrite]).suffix(stored)) : []
        let windowOffset = rawBytes - stored
        // Lines begin at `begin`: the raw tail starts on a line boundary; a window that
        // lost its beginning starts after the first newline in it (or is all one line).
        var begin = 0
        if rawBytes > tailLimit, stored > 0 {
            begin = (window.firstIndex(of: 0x0A) ?? stored) + 1
            begin = min(begin, stored)
        }
        var ranges: [Range<Int>] = []
        var lineStart = begin
        window.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while lineStart < stored,
                  let newline = ByteSearch.first(0x0A, in: base + lineStart, count: stored - lineStart) {
                let index = base.distance(to: newline)
                ranges.append(lineStart..<index)
                lineStart = index + 1
            }
        }
        let unterminated = lineStart < stored
        if unterminated { ranges.append(lineStart..<stored) }
        if ranges.count > Self.maxTailLines { ranges.removeFirst(ranges.count - Self.maxTailLines) }
        let keptBytes = ranges.reduce(0) { $0 + $1.count + 1 } - (unterminated && !ranges.isEmpty ? 1 : 0)
        let endsMidLine = rawBytes > 0 && lastRawByte != 0x0A
        let totalRawLines = rawNewlines + (endsMidLine ? 1 : 0)

        var times = ReadTimes(times: chunkTimes[chunkHead...], fallback: forgottenTime ?? omittedBefore.to)
        var omitted = omittedBefore
        let rawOmittedLines = totalRawLines - ranges.count
        if rawOmittedLines > 0 {
            let first = firstRawTime ?? omittedBefore.to
            if omitted.lines == 0 { omitted.from = first }
            omitted.lines += rawOmittedLines
            omitted.bytes += rawBytes - keptBytes
            omitted.to = rawBytes - keptBytes - 1 < windowOffset ? (forgottenTime ?? first)
                : times.of(rawBytes - keptBytes - 1)
        }
        if omitted.lines > 0 { omission(omitted) }
        window.withUnsafeBytes { raw in
            for range in ranges {
                let bytes = UnsafeRawBufferPointer(rebasing: raw[range])
                let kept = LineSplitter.cutPoint(bytes, limit: maxLineBytes)
                tail(TailLine(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<kept]), droppedBytes: range.count - kept,
                              read: times.of(windowOffset + range.upperBound - 1)))
            }
        }
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
