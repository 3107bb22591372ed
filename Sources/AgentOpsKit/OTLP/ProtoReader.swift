/// A protobuf wire-format reader over a borrowed byte buffer.
///
/// Every read is bounds-checked and reports a typed `OTLPDecodeError` instead of trapping,
/// whatever the input: the listener feeds it bytes straight off the network. A reader for a
/// nested message is a copy limited to that message's bytes, so offsets stay absolute.
struct ProtoReader {
    /// Protobuf wire types.
    enum WireType {
        static let varint: UInt8 = 0, fixed64: UInt8 = 1, lengthDelimited: UInt8 = 2, fixed32: UInt8 = 5
    }

    private let base: UnsafeRawPointer?
    /// The absolute offset of the next byte to read.
    private(set) var offset: Int
    private let end: Int

    /// A reader over all of `buffer`; the buffer must outlive the reader.
    init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress
        offset = 0
        end = buffer.count
    }

    private init(base: UnsafeRawPointer?, offset: Int, end: Int) {
        self.base = base
        self.offset = offset
        self.end = end
    }

    /// True when the message has no bytes left.
    var isAtEnd: Bool { offset >= end }

    private var remaining: Int { end - offset }

    @inline(__always)
    private func byte(at index: Int) -> UInt8 { base.unsafelyUnwrapped.load(fromByteOffset: index, as: UInt8.self) }

    /// The next field's number and wire type, or nil at the end of the message.
    ///
    /// - Throws: for a truncated tag, field number 0 or above 2^29-1, or a group wire type.
    mutating func readTag() throws -> (field: Int, wireType: UInt8)? {
        guard offset < end else { return nil }
        let start = offset
        let first = byte(at: offset)
        let key: UInt64
        if first < 0x80 {
            offset += 1
            key = UInt64(first)
        } else {
            key = try readVarint()
        }
        let field = key >> 3, wireType = UInt8(key & 7)
        guard field >= 1, field <= 0x1FFF_FFFF else {
            throw OTLPDecodeError.invalidFieldNumber(offset: start, field: field)
        }
        switch wireType {
        case WireType.varint, WireType.fixed64, WireType.lengthDelimited, WireType.fixed32: break
        default: throw OTLPDecodeError.unsupportedWireType(offset: start, field: field, wireType: wireType)
        }
        return (Int(field), wireType)
    }

    /// An unsigned LEB128 varint of at most 10 bytes; bits beyond 64 are dropped, as protobuf does.
    mutating func readVarint() throws -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw OTLPDecodeError.truncatedVarint(offset: start) }
            let b = byte(at: offset)
            offset += 1
            result |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 { return result }
            shift += 7
            if shift >= 70 { throw OTLPDecodeError.varintTooLong(offset: start) }
        }
    }

    /// 8 little-endian bytes.
    mutating func readFixed64() throws -> UInt64 { try readFixed(UInt64.self, what: "fixed64") }

    /// 4 little-endian bytes.
    mutating func readFixed32() throws -> UInt32 { try readFixed(UInt32.self, what: "fixed32") }

    /// A little-endian `T` (its size in bytes), the one bounds check both widths share.
    @inline(__always)
    private mutating func readFixed<T: FixedWidthInteger>(_: T.Type, what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw OTLPDecodeError.truncated(what: what, offset: offset, needed: UInt64(size), available: remaining)
        }
        let value = T(littleEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    /// A length prefix and the bytes it announces, as a reader limited to them.
    ///
    /// - Throws: when the length exceeds what is left of the enclosing message.
    mutating func readLengthDelimited() throws -> ProtoReader {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw OTLPDecodeError.truncated(what: "length-delimited field", offset: start, needed: length,
                                            available: remaining)
        }
        let sub = ProtoReader(base: base, offset: offset, end: offset + Int(length))
        offset += Int(length)
        return sub
    }

    /// The reader's bytes, without copying; valid while the underlying buffer is.
    var bytes: UnsafeRawBufferPointer {
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: remaining)
    }

    /// A length-delimited field as a string. Invalid UTF-8 is repaired (U+FFFD), not refused:
    /// one bad byte in a prompt should not cost the whole batch.
    mutating func readString() throws -> String {
        let field = try readLengthDelimited()
        return String(decoding: field.bytes, as: UTF8.self)
    }

    /// A length-delimited attribute name: `OTLPAttributeKeys`' shared string when it is a
    /// well-known one, else as `readString`.
    mutating func readKey() throws -> String {
        let field = try readLengthDelimited()
        return OTLPAttributeKeys.shared(field.bytes) ?? String(decoding: field.bytes, as: UTF8.self)
    }

    /// A length-delimited field as bytes.
    mutating func readBytes() throws -> [UInt8] {
        Array(try readLengthDelimited().bytes)
    }

    /// Skips a field's value by its wire type (unknown and newer fields, §9.10).
    mutating func skip(wireType: UInt8) throws {
        switch wireType {
        case WireType.varint: _ = try readVarint()
        case WireType.fixed64: _ = try readFixed64()
        case WireType.fixed32: _ = try readFixed32()
        default: _ = try readLengthDelimited()
        }
    }
}
