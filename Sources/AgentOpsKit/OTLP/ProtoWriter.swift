/// A protobuf wire-format writer that fills its buffer from the back.
///
/// A nested message must be preceded by its length, which is only known once the message is
/// written. Writing backwards answers that in one pass: write a message's fields, then its
/// length and tag in front of them. Callers therefore emit fields in *descending* field
/// order (and repeated elements last to first), so the finished bytes are in ascending order
/// with proto3 defaults left out: byte-identical to protobuf's own serialisation.
struct ProtoWriter {
    /// Protobuf wire types.
    enum WireType {
        static let varint: UInt64 = 0, fixed64: UInt64 = 1, lengthDelimited: UInt64 = 2, fixed32: UInt64 = 5
    }

    /// Owns the buffer, so that it is freed with the last writer (a writer is never copied
    /// while in use: copies would share it).
    private final class Storage {
        var pointer: UnsafeMutablePointer<UInt8>
        init(capacity: Int) { pointer = .allocate(capacity: capacity) }
        deinit { pointer.deallocate() }
    }

    // A raw buffer, not an `[UInt8]`: every tag and length is a prepend, and an array's
    // uniqueness check and bounds checks on each one were a tenth of an export's
    // instructions (callgrind).
    private let storage: Storage
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Index in the buffer of the first written byte; bytes before it are free.
    private var start: Int

    /// A writer with room for `capacity` bytes before it first grows.
    init(capacity: Int = 4096) {
        self.capacity = max(capacity, 16)
        storage = Storage(capacity: self.capacity)
        base = storage.pointer
        start = self.capacity
    }

    /// Bytes written so far.
    var count: Int { capacity - start }

    /// The finished encoding.
    var bytes: [UInt8] { withBytes { Array($0) } }

    /// Calls `body` with the finished encoding, in place (valid only during the call).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // The buffer is reached through `base`: keep its owner alive through the call (a
        // temporary writer could otherwise be released before `body` runs).
        try withExtendedLifetime(storage) { try body(UnsafeRawBufferPointer(start: base + start, count: count)) }
    }

    @inline(__always)
    private mutating func makeRoom(_ n: Int) {
        if start < n { grow(n) }
    }

    private mutating func grow(_ n: Int) {
        let used = count
        let (doubled, overflow) = capacity.multipliedReportingOverflow(by: 2)
        let larger = max(overflow ? Int.max : doubled, used + n + 64)
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        (pointer + (larger - used)).initialize(from: base + start, count: used)
        storage.pointer.deallocate()
        storage.pointer = pointer
        base = pointer
        capacity = larger
        start = larger - used
    }

    /// The number of bytes `value` takes as a varint.
    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        // 1 + floor(highest set bit / 7), with 0 taking one byte.
        let bits = 64 - value.leadingZeroBitCount
        return bits <= 7 ? 1 : (bits + 6) / 7
    }

    @inline(__always)
    mutating func prependVarint(_ value: UInt64) {
        // Tags, lengths of short strings, small ints: nearly every varint is one byte.
        if value < 0x80 {
            makeRoom(1)
            start -= 1
            base[start] = UInt8(truncatingIfNeeded: value)
            return
        }
        prependLongVarint(value)
    }

    private mutating func prependLongVarint(_ value: UInt64) {
        let size = Self.varintSize(value)
        makeRoom(size)
        start -= size
        var out = base + start
        var v = value
        for _ in 0..<(size - 1) {
            out.pointee = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            out += 1
        }
        out.pointee = UInt8(truncatingIfNeeded: v)
    }

    mutating func prependFixed64(_ value: UInt64) {
        makeRoom(8)
        start -= 8
        UnsafeMutableRawPointer(base + start).storeBytes(of: value.littleEndian, as: UInt64.self)
    }

    mutating func prependFixed32(_ value: UInt32) {
        makeRoom(4)
        start -= 4
        UnsafeMutableRawPointer(base + start).storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    /// Big-endian words, for ids (protobuf carries them as raw bytes, most significant first).
    mutating func prependBigEndian(_ value: UInt64) {
        makeRoom(8)
        start -= 8
        UnsafeMutableRawPointer(base + start).storeBytes(of: value.bigEndian, as: UInt64.self)
    }

    mutating func prependRaw(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        makeRoom(bytes.count)
        start -= bytes.count
        UnsafeMutableRawPointer(base + start).copyMemory(from: source, byteCount: bytes.count)
    }

    @inline(__always)
    mutating func prependTag(_ field: Int, _ wireType: UInt64) {
        prependVarint(UInt64(field) << 3 | wireType)
    }

    // MARK: Fields. Each writes nothing for its proto3 default unless it is a oneof member.

    /// A string field, omitted when empty (`always` for oneof members, which protobuf writes).
    mutating func string(_ field: Int, _ value: String, always: Bool = false) {
        let length = value.utf8.count
        guard length > 0 || always else { return }
        if value.utf8.withContiguousStorageIfAvailable({ prependRaw(UnsafeRawBufferPointer($0)) }) == nil {
            var copy = value
            copy.withUTF8 { prependRaw(UnsafeRawBufferPointer($0)) }
        }
        prependVarint(UInt64(length))
        prependTag(field, WireType.lengthDelimited)
    }

    /// A bytes field, omitted when empty unless `always`.
    mutating func bytes(_ field: Int, _ value: [UInt8], always: Bool = false) {
        guard !value.isEmpty || always else { return }
        value.withUnsafeBytes { prependRaw($0) }
        prependVarint(UInt64(value.count))
        prependTag(field, WireType.lengthDelimited)
    }

    /// A varint field (uint32, int64 as two's complement, enum, bool), omitted when 0 unless `always`.
    mutating func varint(_ field: Int, _ value: UInt64, always: Bool = false) {
        guard value != 0 || always else { return }
        prependVarint(value)
        prependTag(field, WireType.varint)
    }

    /// A fixed64 (or double bit pattern) field, omitted when 0 unless `always`.
    mutating func fixed64(_ field: Int, _ value: UInt64, always: Bool = false) {
        guard value != 0 || always else { return }
        prependFixed64(value)
        prependTag(field, WireType.fixed64)
    }

    /// A fixed32 field, omitted when 0.
    mutating func fixed32(_ field: Int, _ value: UInt32) {
        guard value != 0 else { return }
        prependFixed32(value)
        prependTag(field, WireType.fixed32)
    }

    /// A 16-byte trace id field, omitted when all zero.
    mutating func traceID(_ field: Int, _ id: OTLPTraceID) {
        guard !id.isZero else { return }
        prependBigEndian(id.low)
        prependBigEndian(id.high)
        prependVarint(16)
        prependTag(field, WireType.lengthDelimited)
    }

    /// An 8-byte span id field, omitted when all zero.
    mutating func spanID(_ field: Int, _ id: OTLPSpanID) {
        guard !id.isZero else { return }
        prependBigEndian(id.value)
        prependVarint(8)
        prependTag(field, WireType.lengthDelimited)
    }

    /// A nested message: `body` writes its fields (backwards), then its length and tag go in front.
    @inline(__always)
    mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        let before = count
        body(&self)
        prependVarint(UInt64(count - before))
        prependTag(field, WireType.lengthDelimited)
    }
}
