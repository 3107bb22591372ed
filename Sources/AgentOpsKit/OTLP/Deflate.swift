/// A DEFLATE compressor (RFC 1951) with gzip and zlib wrappers, for the exporter's
/// `Content-Encoding: gzip` bodies.
///
/// LZ77 over a 32 KiB window with hash chains, then each block (at most 64 KiB of input) is
/// sent the cheapest of three ways: dynamic Huffman codes fitted to the block, the fixed
/// codes, or stored as is (so incompressible data grows by only 5 bytes per block).
public enum Deflate {
    /// A gzip member (RFC 1952) holding `input`, with its CRC-32 and size.
    ///
    /// - Parameter input: the bytes to compress.
    /// - Returns: a gzip stream that `gzip -d`, Python's `gzip.decompress` and `Inflate.gzip` read.
    public static func gzip(_ input: [UInt8]) -> [UInt8] {
        // Magic, method 8, no flags, no mtime, no extra flags, OS "unknown".
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
        out.reserveCapacity(input.count / 2 + 64)
        compress(input, into: &out)
        for value in [Checksum.crc32(input), UInt32(truncatingIfNeeded: input.count)] {
            for shift in stride(from: 0, to: 32, by: 8) {
                out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
            }
        }
        return out
    }

    /// A zlib stream (RFC 1950, HTTP `Content-Encoding: deflate`) holding `input`.
    public static func zlib(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x9C]
        compress(input, into: &out)
        let adler = Checksum.adler32(input)
        for shift in stride(from: 24, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: adler >> UInt32(shift)))
        }
        return out
    }

    /// Raw DEFLATE data for `input`.
    public static func raw(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        compress(input, into: &out)
        return out
    }

    static func compress(_ input: [UInt8], into out: inout [UInt8]) {
        var writer = BitWriter(out: out)
        out = []
        input.withUnsafeBufferPointer { data in
            var matcher = MatchFinder()
            var blockStart = 0
            repeat {
                let blockEnd = min(data.count, blockStart + 65_535)
                let tokens = matcher.tokens(data, from: blockStart, to: blockEnd)
                writeBlock(tokens, raw: UnsafeBufferPointer(rebasing: data[blockStart..<blockEnd]),
                           final: blockEnd == data.count, into: &writer)
                blockStart = blockEnd
            } while blockStart < data.count
        }
        out = writer.finish()
    }

    /// One LZ77 symbol: a literal byte (`distance` 0) or a match of `length` bytes `distance` back.
    struct Token {
        var length: UInt16
        var distance: UInt16
    }

    /// Symbol frequencies of one block, and the block written each of the three ways.
    private static func writeBlock(_ tokens: [Token], raw: UnsafeBufferPointer<UInt8>, final: Bool,
                                   into writer: inout BitWriter) {
        var literalFrequencies = [Int](repeating: 0, count: 286)
        var distanceFrequencies = [Int](repeating: 0, count: 30)
        var extraBits = 0
        for token in tokens {
            if token.distance == 0 {
                literalFrequencies[Int(token.length)] += 1
            } else {
                let l = lengthSymbol[Int(token.length)], d = distanceSymbol(Int(token.distance))
                literalFrequencies[257 + Int(l)] += 1
                distanceFrequencies[d] += 1
                extraBits += Int(DeflateFormat.lengthExtra[Int(l)]) + Int(DeflateFormat.distanceExtra[d])
            }
        }
        literalFrequencies[256] = 1

        let dynamic = DynamicHeader(literalFrequencies: literalFrequencies, distanceFrequencies: distanceFrequencies)
        func cost(_ literalLengths: [UInt8], _ distanceLengths: [UInt8]) -> Int {
            var bits = extraBits
            for (f, l) in zip(literalFrequencies, literalLengths) { bits += f * Int(l) }
            for (f, l) in zip(distanceFrequencies, distanceLengths) { bits += f * Int(l) }
            return bits
        }
        let dynamicCost = 3 + dynamic.headerBits + cost(dynamic.literalLengths, dynamic.distanceLengths)
        let fixedCost = 3 + cost(DeflateFormat.fixedLiteralLengths, DeflateFormat.fixedDistanceLengths)
        let storedCost = 3 + 7 + 32 + 8 * raw.count

        if storedCost <= min(dynamicCost, fixedCost) {
            writer.write(final ? 1 : 0, 1)
            writer.write(0, 2)
            writer.alignToByte()
            writer.write(UInt64(raw.count), 16)
            writer.write(UInt64(raw.count ^ 0xFFFF), 16)
            writer.appendBytes(raw)
            return
        }
        writer.write(final ? 1 : 0, 1)
        if dynamicCost < fixedCost {
            writer.write(2, 2)
            dynamic.write(into: &writer)
            writeTokens(tokens, literals: dynamic.literalLengths, distances: dynamic.distanceLengths, into: &writer)
        } else {
            writer.write(1, 2)
            writeTokens(tokens, literals: DeflateFormat.fixedLiteralLengths,
                        distances: DeflateFormat.fixedDistanceLengths, into: &writer)
        }
    }

    private static func writeTokens(_ tokens: [Token], literals: [UInt8], distances: [UInt8],
                                    into writer: inout BitWriter) {
        let literalCodes = DeflateFormat.reversedCodes(literals)
        let distanceCodes = DeflateFormat.reversedCodes(distances)
        for token in tokens {
            if token.distance == 0 {
                let s = Int(token.length)
                writer.write(UInt64(literalCodes[s]), Int(literals[s]))
                continue
            }
            let length = Int(token.length), distance = Int(token.distance)
            let l = Int(lengthSymbol[length])
            writer.write(UInt64(literalCodes[257 + l]), Int(literals[257 + l]))
            writer.write(UInt64(length - Int(DeflateFormat.lengthBase[l])), Int(DeflateFormat.lengthExtra[l]))
            let d = distanceSymbol(distance)
            writer.write(UInt64(distanceCodes[d]), Int(distances[d]))
            writer.write(UInt64(distance - Int(DeflateFormat.distanceBase[d])), Int(DeflateFormat.distanceExtra[d]))
        }
        writer.write(UInt64(literalCodes[256]), Int(literals[256]))
    }

    /// The length symbol (0...28, i.e. 257...285) of each match length 0...258.
    private static let lengthSymbol: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 259)
        for length in 3...258 {
            table[length] = UInt8(DeflateFormat.lengthBase.lastIndex(where: { Int($0) <= length })!)
        }
        return table
    }()

    private static func distanceSymbol(_ distance: Int) -> Int {
        // Distances 1...4 have their own symbols; after that two symbols per power of two.
        if distance <= 4 { return distance - 1 }
        let d = distance - 1
        let highBit = Int.bitWidth - 1 - d.leadingZeroBitCount
        return 2 * highBit + ((d >> (highBit - 1)) & 1)
    }
}

/// Finds LZ77 matches with a hash of the next three bytes and a chain of earlier positions.
struct MatchFinder {
    private static let windowSize = 32_768
    private static let hashBits = 15
    private static let maxChain = 48
    private static let goodEnough = 128

    private var head = [Int32](repeating: -1, count: 1 << MatchFinder.hashBits)
    private var previous = [Int32](repeating: -1, count: MatchFinder.windowSize)

    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>) -> Int {
        let v = UInt32(p[0]) << 16 | UInt32(p[1]) << 8 | UInt32(p[2])
        return Int((v &* 2_654_435_761) >> UInt32(32 - hashBits))
    }

    @inline(__always)
    private mutating func insert(_ data: UnsafePointer<UInt8>, _ position: Int) {
        let h = Self.hash(data + position)
        previous[position & (Self.windowSize - 1)] = head[h]
        head[h] = Int32(position)
    }

    /// Greedy parsing of `data[start..<end]`; matches may reach back before `start` but not past `end`.
    mutating func tokens(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> [Deflate.Token] {
        var tokens: [Deflate.Token] = []
        tokens.reserveCapacity((end - start) / 2)
        guard let data = buffer.baseAddress else { return tokens }
        var p = start
        while p < end {
            var bestLength = 0, bestDistance = 0
            if end - p >= 3 {
                let limit = min(258, end - p)
                var candidate = Int(head[Self.hash(data + p)])
                var chain = 0
                while candidate >= 0, p - candidate <= Self.windowSize, chain < Self.maxChain {
                    if data[candidate + bestLength] == data[p + bestLength] {
                        var length = 0
                        while length < limit, data[candidate + length] == data[p + length] { length += 1 }
                        if length > bestLength {
                            bestLength = length
                            bestDistance = p - candidate
                            if length >= min(limit, Self.goodEnough) { break }
                        }
                    }
                    let next = Int(previous[candidate & (Self.windowSize - 1)])
                    guard next < candidate else { break }
                    candidate = next
                    chain += 1
                }
                insert(data, p)
            }
            if bestLength >= 3 {
                tokens.append(Deflate.Token(length: UInt16(bestLength), distance: UInt16(bestDistance)))
                for q in (p + 1)..<(p + bestLength) where buffer.count - q >= 3 { insert(data, q) }
                p += bestLength
            } else {
                tokens.append(Deflate.Token(length: UInt16(data[p]), distance: 0))
                p += 1
            }
        }
        return tokens
    }
}

/// A least-significant-bit-first bit stream appended to a byte array.
struct BitWriter {
    private var out: [UInt8]
    private var accumulator: UInt64 = 0
    private var count = 0

    init(out: [UInt8]) { self.out = out }

    /// Appends the low `bits` bits of `value` (at most 32).
    @inline(__always)
    mutating func write(_ value: UInt64, _ bits: Int) {
        accumulator |= value << UInt64(count)
        count += bits
        while count >= 8 {
            out.append(UInt8(truncatingIfNeeded: accumulator))
            accumulator >>= 8
            count -= 8
        }
    }

    mutating func alignToByte() {
        if count > 0 { write(0, 8 - count) }
    }

    /// Appends whole bytes; the stream must be byte-aligned.
    mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) { out.append(contentsOf: bytes) }

    mutating func finish() -> [UInt8] {
        alignToByte()
        return out
    }
}

/// Huffman code lengths fitted to one block's frequencies, and the header that describes them.
struct DynamicHeader {
    let literalLengths: [UInt8]
    let distanceLengths: [UInt8]
    private let literalCount: Int
    private let distanceCount: Int
    /// Run-length encoded code lengths: (symbol 0...18, extra value).
    private let runs: [(symbol: Int, extra: Int)]
    private let codeLengthLengths: [UInt8]
    private let codeLengthCount: Int
    let headerBits: Int

    init(literalFrequencies: [Int], distanceFrequencies: [Int]) {
        literalLengths = Self.lengths(literalFrequencies, maxBits: 15)
        distanceLengths = Self.lengths(distanceFrequencies, maxBits: 15)
        literalCount = max(257, (literalLengths.lastIndex(where: { $0 > 0 }) ?? 0) + 1)
        distanceCount = max(1, (distanceLengths.lastIndex(where: { $0 > 0 }) ?? 0) + 1)
        runs = Self.runLengths(Array(literalLengths[..<literalCount]) + Array(distanceLengths[..<distanceCount]))
        var frequencies = [Int](repeating: 0, count: 19)
        for run in runs { frequencies[run.symbol] += 1 }
        let codeLengthLengths = Self.lengths(frequencies, maxBits: 7)
        self.codeLengthLengths = codeLengthLengths
        let lastUsed = DeflateFormat.codeLengthOrder.lastIndex(where: { codeLengthLengths[$0] > 0 }) ?? 0
        codeLengthCount = max(4, lastUsed + 1)
        var bits = 5 + 5 + 4 + 3 * codeLengthCount
        for run in runs { bits += Int(codeLengthLengths[run.symbol]) + Self.runExtraBits(run.symbol) }
        headerBits = bits
    }

    private static func runExtraBits(_ symbol: Int) -> Int {
        switch symbol {
        case 16: return 2
        case 17: return 3
        case 18: return 7
        default: return 0
        }
    }

    func write(into writer: inout BitWriter) {
        writer.write(UInt64(literalCount - 257), 5)
        writer.write(UInt64(distanceCount - 1), 5)
        writer.write(UInt64(codeLengthCount - 4), 4)
        for i in 0..<codeLengthCount {
            writer.write(UInt64(codeLengthLengths[DeflateFormat.codeLengthOrder[i]]), 3)
        }
        let codes = DeflateFormat.reversedCodes(codeLengthLengths)
        for run in runs {
            writer.write(UInt64(codes[run.symbol]), Int(codeLengthLengths[run.symbol]))
            writer.write(UInt64(run.extra), Self.runExtraBits(run.symbol))
        }
    }

    /// Code lengths with symbols 16 (repeat previous 3-6), 17 (3-10 zeros) and 18 (11-138 zeros).
    private static func runLengths(_ lengths: [UInt8]) -> [(symbol: Int, extra: Int)] {
        var runs: [(symbol: Int, extra: Int)] = []
        var i = 0
        while i < lengths.count {
            let value = lengths[i]
            var run = 1
            while i + run < lengths.count, lengths[i + run] == value { run += 1 }
            i += run
            if value == 0 {
                while run >= 11 { let n = min(run, 138); runs.append((18, n - 11)); run -= n }
                if run >= 3 { runs.append((17, run - 3)); run = 0 }
            } else {
                runs.append((Int(value), 0))
                run -= 1
                while run >= 3 { let n = min(run, 6); runs.append((16, n - 3)); run -= n }
            }
            for _ in 0..<run { runs.append((Int(value), 0)) }
        }
        return runs
    }

    /// Huffman code lengths for `frequencies`, none longer than `maxBits`.
    ///
    /// At least two symbols always get a code (a lone code would be incomplete, which some
    /// decoders refuse). When the tree is too deep the frequencies are halved and the tree
    /// rebuilt, which flattens it; a slightly worse code, far simpler than package-merge.
    static func lengths(_ frequencies: [Int], maxBits: Int) -> [UInt8] {
        var frequencies = frequencies
        var used = frequencies.indices.filter { frequencies[$0] > 0 }
        for symbol in frequencies.indices where used.count < 2 && frequencies[symbol] == 0 {
            frequencies[symbol] = 1
            used = frequencies.indices.filter { frequencies[$0] > 0 }
        }
        while true {
            let lengths = huffmanLengths(frequencies)
            if lengths.max() ?? 0 <= UInt8(maxBits) { return lengths }
            frequencies = frequencies.map { $0 == 0 ? 0 : ($0 + 1) / 2 }
        }
    }

    /// Unlimited Huffman code lengths, by the two-queue method over leaves sorted by frequency.
    private static func huffmanLengths(_ frequencies: [Int]) -> [UInt8] {
        let leaves = frequencies.indices.filter { frequencies[$0] > 0 }.sorted {
            (frequencies[$0], $0) < (frequencies[$1], $1)
        }
        var lengths = [UInt8](repeating: 0, count: frequencies.count)
        let n = leaves.count
        guard n > 1 else { return lengths }
        var weight = leaves.map { frequencies[$0] } + [Int](repeating: 0, count: n - 1)
        var parent = [Int](repeating: 0, count: 2 * n - 1)
        var nextLeaf = 0, nextNode = n
        func smallest(_ created: Int) -> Int {
            if nextLeaf < n, nextNode >= created || weight[nextLeaf] <= weight[nextNode] {
                nextLeaf += 1
                return nextLeaf - 1
            }
            nextNode += 1
            return nextNode - 1
        }
        for node in n..<(2 * n - 1) {
            let a = smallest(node), b = smallest(node)
            weight[node] = weight[a] + weight[b]
            parent[a] = node
            parent[b] = node
        }
        var depth = [Int](repeating: 0, count: 2 * n - 1)
        for node in stride(from: 2 * n - 3, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        for (i, symbol) in leaves.enumerated() { lengths[symbol] = UInt8(min(depth[i], 255)) }
        return lengths
    }
}
