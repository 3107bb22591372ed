/// Why a compressed body could not be inflated.
public enum InflateError: Error, Equatable, CustomStringConvertible {
    /// The stream ended before its last block or its trailer.
    case truncated
    /// A gzip or zlib header that is not one (bad magic, method, flags or header CRC).
    case invalidHeader(String)
    /// Corrupt DEFLATE data: a reserved block type, a bad code table, an undefined code...
    case invalidData(String)
    /// The CRC-32, Adler-32 or length in the trailer does not match the data.
    case checksumMismatch(String)
    /// Bytes after the end of the stream that are not another gzip member.
    case trailingData
    /// The output would exceed the caller's limit: a decompression bomb, or just too large
    /// (the listener answers 413).
    case outputLimitExceeded(limit: Int)

    public var description: String {
        switch self {
        case .truncated: return "compressed data is truncated"
        case let .invalidHeader(what): return "invalid header: \(what)"
        case let .invalidData(what): return "invalid compressed data: \(what)"
        case let .checksumMismatch(what): return "checksum mismatch: \(what)"
        case .trailingData: return "unexpected data after the end of the compressed stream"
        case let .outputLimitExceeded(limit): return "decompressed data exceeds the limit of \(limit) bytes"
        }
    }
}

/// A DEFLATE decoder (RFC 1951) with the gzip (RFC 1952) and zlib (RFC 1950) wrappers, for
/// `Content-Encoding: gzip` and `deflate` request bodies.
///
/// Hand-written because the project links no zlib. It never traps on corrupt input and
/// stops at `maxOutput` bytes, so a small bomb cannot exhaust memory.
public enum Inflate {
    /// Inflates a gzip stream (one member or several), checking each member's CRC-32 and size.
    ///
    /// - Parameters:
    ///   - input: the gzip bytes.
    ///   - maxOutput: the most bytes to produce.
    /// - Returns: the decompressed bytes.
    /// - Throws: `InflateError`, `.outputLimitExceeded` when the output would exceed `maxOutput`.
    public static func gzip(_ input: [UInt8], maxOutput: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { buffer in
            var state = InflateState(input: buffer, maxOutput: maxOutput)
            try state.gzipMember()
            while state.position < buffer.count {
                // Zero padding after the last member is tolerated, as by gzip(1) and Python;
                // anything else must be another member.
                if buffer[state.position] == 0 {
                    state.position += 1
                    continue
                }
                guard buffer.count - state.position >= 2, buffer[state.position] == 0x1F,
                      buffer[state.position + 1] == 0x8B else { throw InflateError.trailingData }
                try state.gzipMember()
            }
            return state.finish()
        }
    }

    /// Inflates a zlib stream (HTTP `Content-Encoding: deflate`), checking its Adler-32.
    ///
    /// - Throws: `InflateError`; a preset dictionary is refused as an invalid header.
    public static func zlib(_ input: [UInt8], maxOutput: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { buffer in
            var state = InflateState(input: buffer, maxOutput: maxOutput)
            guard buffer.count >= 2 else { throw InflateError.truncated }
            let cmf = buffer[0], flg = buffer[1]
            guard cmf & 0x0F == 8, cmf >> 4 <= 7 else { throw InflateError.invalidHeader("not a zlib deflate stream") }
            guard (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0 else {
                throw InflateError.invalidHeader("zlib header check")
            }
            guard flg & 0x20 == 0 else { throw InflateError.invalidHeader("zlib preset dictionary") }
            state.position = 2
            try state.inflateBlocks()
            let expected = try state.readBigEndian32()
            let actual = state.output.withUnsafeBytes {
                Checksum.adler32(UnsafeRawBufferPointer(rebasing: $0[..<state.count]))
            }
            guard expected == actual else { throw InflateError.checksumMismatch("Adler-32") }
            guard state.position == buffer.count else { throw InflateError.trailingData }
            return state.finish()
        }
    }

    /// Inflates raw DEFLATE data with no wrapper (what some clients send as `deflate`).
    public static func raw(_ input: [UInt8], maxOutput: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { buffer in
            var state = InflateState(input: buffer, maxOutput: maxOutput)
            try state.inflateBlocks()
            guard state.position == buffer.count else { throw InflateError.trailingData }
            return state.finish()
        }
    }
}

/// A canonical Huffman code as a single lookup table indexed by the next `bits` input bits.
///
/// Each entry is `symbol << 4 | length`; length 0 marks bit patterns no code starts with.
/// One table of 2^maxLength entries (at most 32 K) keeps decoding to one load per symbol.
struct HuffmanTable {
    private(set) var entries: [UInt16]
    private(set) var mask: UInt64

    /// Builds the table; an over-subscribed set of lengths is corrupt data.
    init(lengths: ArraySlice<UInt8>) throws {
        var lengthCount = [Int](repeating: 0, count: 16)
        for length in lengths { lengthCount[Int(length)] += 1 }
        lengthCount[0] = 0
        var left = 1
        for bits in 1..<16 {
            left = left << 1 - lengthCount[bits]
            guard left >= 0 else { throw InflateError.invalidData("over-subscribed Huffman code") }
        }
        let maxLength = (1..<16).last(where: { lengthCount[$0] > 0 }) ?? 0
        let size = 1 << maxLength
        var entries = [UInt16](repeating: 0, count: size)
        let codes = DeflateFormat.reversedCodes(Array(lengths))
        for (i, length) in lengths.enumerated() where length > 0 {
            let entry = UInt16(i) << 4 | UInt16(length)
            var index = Int(codes[i])
            while index < size {
                entries[index] = entry
                index += 1 << Int(length)
            }
        }
        self.entries = entries
        mask = UInt64(size - 1)
    }

    // The fixed code lengths are a complete code, so building their tables cannot fail.
    static let fixedLiterals = try! HuffmanTable(lengths: DeflateFormat.fixedLiteralLengths[...])
    static let fixedDistances = try! HuffmanTable(lengths: DeflateFormat.fixedDistanceLengths[...])
}

/// The decoder's state: input position and bit buffer, and the output so far.
struct InflateState {
    let input: UnsafeRawBufferPointer
    var position = 0
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    let maxOutput: Int
    /// Output storage, grown ahead of `count` and trimmed at the end.
    var output: [UInt8]
    var count = 0
    /// Where the current gzip member's output starts (its window cannot reach before it).
    private var memberStart = 0

    init(input: UnsafeRawBufferPointer, maxOutput: Int) {
        self.input = input
        self.maxOutput = max(0, maxOutput)
        output = [UInt8](repeating: 0, count: min(self.maxOutput, max(4096, input.count * 4)))
    }

    mutating func finish() -> [UInt8] {
        output.removeSubrange(count...)
        return output
    }

    // MARK: Bits

    @inline(__always)
    private mutating func refill() {
        while bitCount <= 56, position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    @inline(__always)
    private mutating func bits(_ n: Int) throws -> Int {
        if bitCount < n {
            refill()
            guard bitCount >= n else { throw InflateError.truncated }
        }
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        return value
    }

    @inline(__always)
    private mutating func decode(_ table: HuffmanTable) throws -> Int {
        if bitCount < 15 { refill() }
        let entry = table.entries[Int(truncatingIfNeeded: bitBuffer & table.mask)]
        let length = Int(entry & 15)
        guard length > 0 else { throw InflateError.invalidData("undefined Huffman code") }
        guard length <= bitCount else { throw InflateError.truncated }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        return Int(entry >> 4)
    }

    /// Drops the bits left in the current byte and hands whole buffered bytes back to the input,
    /// for stored blocks and trailers, which are byte-aligned.
    private mutating func alignToByte() {
        bitCount -= bitCount % 8
        position -= bitCount / 8
        bitBuffer = 0
        bitCount = 0
    }

    mutating func readByte() throws -> UInt8 {
        guard position < input.count else { throw InflateError.truncated }
        defer { position += 1 }
        return input[position]
    }

    mutating func readLittleEndian32() throws -> UInt32 {
        guard input.count - position >= 4 else { throw InflateError.truncated }
        defer { position += 4 }
        return UInt32(littleEndian: input.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func readBigEndian32() throws -> UInt32 {
        guard input.count - position >= 4 else { throw InflateError.truncated }
        defer { position += 4 }
        return UInt32(bigEndian: input.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    // MARK: Output

    /// Makes room for `n` more bytes, or refuses past the limit.
    @inline(__always)
    private mutating func reserve(_ n: Int) throws {
        guard n <= maxOutput - count else { throw InflateError.outputLimitExceeded(limit: maxOutput) }
        if count + n > output.count {
            // A new zeroed array and one copy of what is written: appending a generic
            // sequence of zeros went element by element in a debug build (a 17 KB bomb
            // took 5 s there to reach the limit; the release build 0.01 s).
            let size = min(maxOutput, max(output.count * 2, count + n))
            var grown = [UInt8](repeating: 0, count: size)
            let written = count
            grown.withUnsafeMutableBytes { target in
                output.withUnsafeBytes { source in
                    if written > 0 { target.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: written) }
                }
            }
            output = grown
        }
    }

    // MARK: Wrappers

    /// One gzip member: header, DEFLATE data, CRC-32 and ISIZE trailer.
    mutating func gzipMember() throws {
        let headerStart = position
        guard input.count - position >= 10 else { throw InflateError.truncated }
        guard input[position] == 0x1F, input[position + 1] == 0x8B else {
            throw InflateError.invalidHeader("not gzip")
        }
        guard input[position + 2] == 8 else { throw InflateError.invalidHeader("gzip method is not deflate") }
        let flags = input[position + 3]
        guard flags & 0xE0 == 0 else { throw InflateError.invalidHeader("reserved gzip flags") }
        position += 10
        if flags & 0x04 != 0 {  // FEXTRA
            let length = Int(try readByte()) | Int(try readByte()) << 8
            guard input.count - position >= length else { throw InflateError.truncated }
            position += length
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while try readByte() != 0 {}
        }
        if flags & 0x02 != 0 {  // FHCRC: the low 16 bits of the header's CRC-32
            let headerCRC = Checksum.crc32(UnsafeRawBufferPointer(rebasing: input[headerStart..<position]))
            let stored = UInt32(try readByte()) | UInt32(try readByte()) << 8
            guard stored == headerCRC & 0xFFFF else { throw InflateError.invalidHeader("gzip header CRC") }
        }
        memberStart = count
        try inflateBlocks()
        let crc = try readLittleEndian32()
        let size = try readLittleEndian32()
        let produced = output.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[memberStart..<count]) }
        guard Checksum.crc32(produced) == crc else { throw InflateError.checksumMismatch("gzip CRC-32") }
        guard UInt32(truncatingIfNeeded: count - memberStart) == size else {
            throw InflateError.checksumMismatch("gzip length")
        }
    }

    // MARK: DEFLATE

    /// Decodes blocks up to and including the final one, then aligns to the next byte.
    mutating func inflateBlocks() throws {
        var final = false
        while !final {
            final = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try huffmanBlock(literals: HuffmanTable.fixedLiterals, distances: HuffmanTable.fixedDistances)
            case 2:
                let (literals, distances) = try dynamicTables()
                try huffmanBlock(literals: literals, distances: distances)
            default: throw InflateError.invalidData("reserved block type")
            }
        }
        alignToByte()
    }

    private mutating func storedBlock() throws {
        alignToByte()
        guard input.count - position >= 4 else { throw InflateError.truncated }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == complement ^ 0xFFFF else { throw InflateError.invalidData("stored block length check") }
        position += 4
        guard input.count - position >= length else { throw InflateError.truncated }
        try reserve(length)
        let (from, at) = (position, count)
        output.withUnsafeMutableBytes { out in
            out.baseAddress!.advanced(by: at)
                .copyMemory(from: input.baseAddress!.advanced(by: from), byteCount: length)
        }
        position += length
        count += length
    }

    /// Reads a dynamic block's code-length code and then its literal/length and distance codes.
    private mutating func dynamicTables() throws -> (HuffmanTable, HuffmanTable) {
        let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw InflateError.invalidData("too many length or distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[DeflateFormat.codeLengthOrder[i]] = UInt8(try bits(3))
        }
        let codeLengthTable = try HuffmanTable(lengths: codeLengthLengths[...])
        var lengths = [UInt8](repeating: 0, count: literalCount + distanceCount)
        var i = 0
        while i < lengths.count {
            let symbol = try decode(codeLengthTable)
            if symbol < 16 {
                lengths[i] = UInt8(symbol)
                i += 1
                continue
            }
            let value: UInt8, repeatCount: Int
            switch symbol {
            case 16:
                guard i > 0 else { throw InflateError.invalidData("length repeat with no previous length") }
                value = lengths[i - 1]
                repeatCount = 3 + (try bits(2))
            case 17: value = 0; repeatCount = 3 + (try bits(3))
            default: value = 0; repeatCount = 11 + (try bits(7))
            }
            guard repeatCount <= lengths.count - i else { throw InflateError.invalidData("code lengths overflow") }
            for _ in 0..<repeatCount {
                lengths[i] = value
                i += 1
            }
        }
        guard lengths[256] > 0 else { throw InflateError.invalidData("no end-of-block code") }
        let literals = try HuffmanTable(lengths: lengths[..<literalCount])
        return (literals, try HuffmanTable(lengths: lengths[literalCount...]))
    }

    private mutating func huffmanBlock(literals: HuffmanTable, distances: HuffmanTable) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                if count == output.count { try reserve(1) }
                output[count] = UInt8(truncatingIfNeeded: symbol)
                count += 1
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw InflateError.invalidData("invalid length symbol") }
            let length = Int(DeflateFormat.lengthBase[lengthIndex])
                + (try bits(Int(DeflateFormat.lengthExtra[lengthIndex])))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < 30 else { throw InflateError.invalidData("invalid distance symbol") }
            let distance = Int(DeflateFormat.distanceBase[distanceSymbol])
                + (try bits(Int(DeflateFormat.distanceExtra[distanceSymbol])))
            guard distance <= count - memberStart else { throw InflateError.invalidData("distance too far back") }
            try reserve(length)
            let at = count
            output.withUnsafeMutableBytes { out in
                let base = out.baseAddress!
                let source = base + (at - distance)
                // An overlapping match repeats its last `distance` bytes: copied in
                // chunks that double (each a whole number of periods, so the pattern
                // stays in phase), never byte by byte. A bomb is mostly such runs, and
                // reaching the output limit must cost little even in a debug build.
                var done = 0
                while done < length {
                    let chunk = min(length - done, distance + done)
                    (base + at + done).copyMemory(from: source, byteCount: chunk)
                    done += chunk
                }
            }
            count += length
        }
    }
}
