/// Bounds what is recorded of one stream: the head as it streams, then only the last
/// part, kept in a fixed buffer and recorded when the stream ends, with the exact
/// count of what was left out between them. Pass-through is never affected.
///
/// The budget counts what is recorded (a line's kept bytes and its newline), so a
/// 200 MB line still has its cut head recorded; what was left out is counted in the
/// stream's own bytes (full line lengths and newlines), exactly.
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

    /// A line kept in the tail, as `LineSplitter.Line` plus when it was read.
    public struct TailLine {
        /// The kept bytes.
        public var bytes: UnsafeRawBufferPointer
        /// Bytes of the line that were not kept (cut).
        public var droppedBytes: Int
        /// When its first bytes were read.
        public var start: Timestamp
        /// When it was complete.
        public var read: Timestamp
    }

    private let headLimit: Int
    private let tailLimit: Int
    private var headUsed = 0
    private(set) var inTail = false
    private var omitted = Omission(lines: 0, bytes: 0, from: Timestamp(microseconds: 0),
                                   to: Timestamp(microseconds: 0))

    /// One line kept in the tail (32 bytes: the tail can hold many short lines).
    private struct Meta {
        var offset: Int32
        var length: Int32
        var dropped: Int
        var start: Timestamp
        var read: Timestamp
        /// The line's bytes in the stream (what was left out, if it goes).
        var streamBytes: Int { Int(length) + dropped + 1 }
        /// What keeping the line costs the budget.
        var recordedBytes: Int { Int(length) + 1 }
    }

    private var tailBytes: [UInt8] = []
    private var tailStart = 0
    private var metas: [Meta] = []
    private var firstMeta = 0
    private var tailRecordedBytes = 0

    /// At most this many lines are kept for the tail, so that a flood of tiny lines
    /// does not turn the tail's bookkeeping into the biggest thing in memory.
    public static let maxTailLines = 65_536

    /// A budget of `limit` bytes: up to 1 MiB (or half, if smaller) is kept for the
    /// tail, the rest for the head. 0 records nothing and counts everything as left out.
    public init(limit: Int) {
        let total = max(0, limit)
        tailLimit = min(1 << 20, total / 2)
        headLimit = total - tailLimit
    }

    /// Whether `line` is recorded now (the head); if not, it is kept for the tail or
    /// counted as left out.
    public mutating func admit(_ line: LineSplitter.Line, read: Timestamp) -> Bool {
        let size = line.bytes.count + 1
        if !inTail {
            if headUsed + size <= headLimit {
                headUsed += size
                return true
            }
            inTail = true
        }
        keep(line, size: size, read: read)
        return false
    }

    private mutating func keep(_ line: LineSplitter.Line, size: Int, read: Timestamp) {
        guard tailLimit > 0, size <= tailLimit else {
            // The tail keeps only what fits whole; this line and all before it go.
            omitAllKept()
            omit(lines: 1, bytes: line.bytes.count + line.droppedBytes + 1, read: read)
            return
        }
        // Drop what was evicted once its bytes or its line records outweigh what is kept
        // (amortised O(1) per line, and never more than twice the tail in memory).
        let evictedOutweigh = firstMeta > 1024 && firstMeta >= metas.count - firstMeta
        if evictedOutweigh || tailStart > tailLimit {
            tailBytes.removeSubrange(..<tailStart)
            let shift = Int32(tailStart)
            for index in firstMeta..<metas.count { metas[index].offset -= shift }
            metas.removeSubrange(..<firstMeta)
            firstMeta = 0
            tailStart = 0
        }
        metas.append(Meta(offset: Int32(tailBytes.count), length: Int32(line.bytes.count), dropped: line.droppedBytes,
                          start: line.start, read: read))
        tailBytes.append(contentsOf: line.bytes)
        tailRecordedBytes += size
        while tailRecordedBytes > tailLimit || metas.count - firstMeta > Self.maxTailLines, firstMeta < metas.count {
            let evicted = metas[firstMeta]
            firstMeta += 1
            tailStart = Int(evicted.offset + evicted.length)
            tailRecordedBytes -= evicted.recordedBytes
            omit(lines: 1, bytes: evicted.streamBytes, read: evicted.read)
        }
    }

    private mutating func omitAllKept() {
        for meta in metas[firstMeta...] { omit(lines: 1, bytes: meta.streamBytes, read: meta.read) }
        metas.removeAll()
        firstMeta = 0
        tailBytes.removeAll()
        tailStart = 0
        tailRecordedBytes = 0
    }

    private mutating func omit(lines: Int, bytes: Int, read: Timestamp) {
        if omitted.lines == 0 { omitted.from = read }
        omitted.lines += lines
        omitted.bytes += bytes
        omitted.to = read
    }

    /// At the end of the stream: what was left out (nil if nothing was), then each
    /// line of the tail in order.
    public func finish(omission: (Omission) -> Void, tail: (TailLine) -> Void) {
        if omitted.lines > 0 { omission(omitted) }
        tailBytes.withUnsafeBytes { raw in
            for meta in metas[firstMeta...] {
                let range = Int(meta.offset)..<Int(meta.offset + meta.length)
                tail(TailLine(bytes: UnsafeRawBufferPointer(rebasing: raw[range]),
                              droppedBytes: meta.dropped, start: meta.start, read: meta.read))
            }
        }
    }

    /// The marker recorded between the head and the tail.
    public static func marker(_ omission: Omission, stream: OutputStream) -> String {
        "[agentops-run: capture limit reached: \(omission.lines) lines (\(omission.bytes) bytes) of "
            + "\(stream.rawValue) left out here]"
    }
}
