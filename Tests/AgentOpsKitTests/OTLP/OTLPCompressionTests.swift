import Foundation
import Testing
@testable import AgentOpsKit

@Suite("OTLP compression")
struct OTLPCompressionTests {
    /// Writes `<name>.in` (the original) and `<name>.z` (compressed by Python) for each case.
    static let makeVectors = #"""
import gzip, os, random, struct, sys, zlib
out = sys.argv[1]
rng = random.Random(7)
text = b"".join(b"span %d: openai.chat.completion gen_ai.usage.prompt_tokens=%d\n" % (i, rng.randrange(999))
                for i in range(1000))
noise = bytes(rng.randrange(256) for _ in range(20000))
def save(name, original, compressed):
    open(os.path.join(out, name + ".in"), "wb").write(original)
    open(os.path.join(out, name + ".z"), "wb").write(compressed)
def deflate(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY, wbits=31):
    c = zlib.compressobj(level, zlib.DEFLATED, wbits, 9, strategy)
    return c.compress(data) + c.flush()
save("stored", noise, gzip.compress(noise, compresslevel=0))
save("fixed", text, deflate(text, 9, zlib.Z_FIXED))
save("dynamic", text, gzip.compress(text))
save("huffman-only", text, deflate(text, 6, zlib.Z_HUFFMAN_ONLY))
save("noise", noise, gzip.compress(noise))
save("empty", b"", gzip.compress(b""))
save("members", text + noise, gzip.compress(text) + gzip.compress(noise) + b"\0\0")
save("zlib", text, zlib.compress(text))
save("raw", text, deflate(text, 6, wbits=-15))
# A header with every optional part: FEXTRA, FNAME, FCOMMENT and FHCRC.
body = deflate(b"hello, header", wbits=-15)
header = b"\x1f\x8b\x08\x1e" + b"\0\0\0\0\0\xff" + struct.pack("<H", 3) + b"abc" + b"name.txt\0" + b"a comment\0"
header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
save("header", b"hello, header", header + body + struct.pack("<II", zlib.crc32(b"hello, header"), 13))
save("small", text[:6000], gzip.compress(text[:6000]))
save("bomb", b"", gzip.compress(b"\0" * 4_000_000))
"""#

    /// Made once for the suite; a missing python3 fails every test that needs it.
    static let made = Result { () throws -> String in
        let folder = try PythonVectors.temporaryFolder()
        _ = try PythonVectors.run(makeVectors, [folder])
        return folder
    }

    static func vectors() throws -> (folder: String, names: [String]) {
        (try made.get(), ["stored", "fixed", "dynamic", "huffman-only", "noise", "empty", "members", "header"])
    }

    @Test("Python's gzip, zlib and raw streams inflate: stored, fixed and dynamic blocks, all header flags")
    func inflatesPythonVectors() throws {
        let (folder, names) = try Self.vectors()
        for name in names {
            let original = try PythonVectors.read("\(folder)/\(name).in")
            let compressed = try PythonVectors.read("\(folder)/\(name).z")
            #expect(try Inflate.gzip(compressed, maxOutput: 1 << 24) == original, "\(name)")
        }
        let text = try PythonVectors.read("\(folder)/zlib.in")
        #expect(try Inflate.zlib(try PythonVectors.read("\(folder)/zlib.z"), maxOutput: 1 << 24) == text)
        #expect(try Inflate.raw(try PythonVectors.read("\(folder)/raw.z"), maxOutput: 1 << 24) == text)
    }

    @Test("corrupt, truncated and oversized streams are errors, a bomb is its own error")
    func refusesBadStreams() throws {
        let (folder, _) = try Self.vectors()
        let good = try PythonVectors.read("\(folder)/dynamic.z")
        let original = try PythonVectors.read("\(folder)/dynamic.in")

        var badCRC = good
        badCRC[badCRC.count - 6] ^= 0x01
        #expect(throws: InflateError.checksumMismatch("gzip CRC-32")) { try Inflate.gzip(badCRC, maxOutput: 1 << 24) }
        var badSize = good
        badSize[badSize.count - 1] ^= 0x01
        #expect(throws: InflateError.checksumMismatch("gzip length")) { try Inflate.gzip(badSize, maxOutput: 1 << 24) }
        for cut in [0, 1, 5, 10, 11, good.count / 2, good.count - 8, good.count - 1] {
            #expect(throws: InflateError.self) { try Inflate.gzip(Array(good[..<cut]), maxOutput: 1 << 24) }
        }
        #expect(throws: InflateError.truncated) {
            try Inflate.gzip(Array(good[..<(good.count / 2)]), maxOutput: 1 << 24)
        }
        #expect(throws: InflateError.trailingData) { try Inflate.gzip(good + [1, 2, 3], maxOutput: 1 << 24) }
        #expect(throws: InflateError.invalidHeader("not gzip")) {
            try Inflate.gzip(Array("hello, world".utf8), maxOutput: 100)
        }
        #expect(throws: InflateError.outputLimitExceeded(limit: original.count - 1)) {
            try Inflate.gzip(good, maxOutput: original.count - 1)
        }
        #expect(try Inflate.gzip(good, maxOutput: original.count) == original)

        let bomb = try PythonVectors.read("\(folder)/bomb.z")
        #expect(bomb.count < 10_000)
        #expect(throws: InflateError.outputLimitExceeded(limit: 1 << 20)) {
            try Inflate.gzip(bomb, maxOutput: 1 << 20)
        }
        #expect(try Inflate.gzip(bomb, maxOutput: 4_000_000).count == 4_000_000)

        var badAdler = try PythonVectors.read("\(folder)/zlib.z")
        badAdler[badAdler.count - 1] ^= 0x80
        #expect(throws: InflateError.checksumMismatch("Adler-32")) { try Inflate.zlib(badAdler, maxOutput: 1 << 24) }
        #expect(throws: InflateError.invalidData("reserved block type")) { try Inflate.raw([0x07], maxOutput: 10) }
    }

    @Test("random corruption of compressed data returns or throws, never traps")
    func corruptionNeverTraps() throws {
        let (folder, _) = try Self.vectors()
        let good = try PythonVectors.read("\(folder)/small.z")
        var random = SeededRandom(seed: 0xC0FFEE)
        var failures = 0
        for _ in 0..<300 {
            var bytes = good
            for _ in 0..<(1 + random.next(4)) {
                let i = 10 + random.next(bytes.count - 18)
                bytes[i] ^= UInt8(truncatingIfNeeded: 1 << random.next(8))
            }
            do { _ = try Inflate.gzip(bytes, maxOutput: 1 << 20) } catch { failures += 1 }
        }
        #expect(failures > 250)
        for _ in 0..<300 {
            let noise = (0..<random.next(200)).map { _ in UInt8(truncatingIfNeeded: random.next(256)) }
            _ = try? Inflate.raw(noise, maxOutput: 1 << 16)
        }
    }

    @Test("Deflate output inflates here and in Python, and repetitive data shrinks")
    func deflateRoundTrips() throws {
        var random = SeededRandom(seed: 42)
        let noise = (0..<50_000).map { _ in UInt8(truncatingIfNeeded: random.next(256)) }
        let words = [
            "gen_ai.usage", "prompt_tokens", "\"role\": \"user\"", "completion", "Paris.", "\n", " ", "0", "42",
        ]
        var text: [UInt8] = []
        while text.count < 100_000 { text += Array(words[random.next(words.count)].utf8) }
        let zeros = [UInt8](repeating: 0, count: 100_000)
        let cases: [(String, [UInt8])] = [
            ("empty", []), ("one", [7]), ("noise", noise), ("text", text), ("zeros", zeros),
            ("abc", Array(String(repeating: "abc", count: 1000).utf8)), ("mixed", text + noise + zeros),
        ]
        let folder = try PythonVectors.temporaryFolder()
        for (name, data) in cases {
            let gz = Deflate.gzip(data)
            #expect(try Inflate.gzip(gz, maxOutput: 1 << 24) == data, "\(name)")
            #expect(try Inflate.zlib(Deflate.zlib(data), maxOutput: 1 << 24) == data, "\(name) zlib")
            #expect(try Inflate.raw(Deflate.raw(data), maxOutput: 1 << 24) == data, "\(name) raw")
            try PythonVectors.write(gz, to: "\(folder)/\(name).gz")
            try PythonVectors.write(data, to: "\(folder)/\(name).in")
        }
        let checked = try PythonVectors.run("""
            import gzip, sys
            names = sys.argv[2:]
            for n in names:
                packed = open(f"{sys.argv[1]}/{n}.gz", "rb").read()
                assert gzip.decompress(packed) == open(f"{sys.argv[1]}/{n}.in", "rb").read(), n
            print(len(names))
            """, [folder] + cases.map(\.0))
        #expect(checked.trimmingCharacters(in: .whitespacesAndNewlines) == "\(cases.count)")

        #expect(Deflate.gzip(text).count < text.count / 4)
        #expect(Deflate.gzip(zeros).count < 1_000)
        #expect(Deflate.gzip(noise).count < noise.count + 64)
    }

    @Test("checksums match the published check values")
    func checksums() {
        #expect(Checksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Checksum.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Checksum.crc32([]) == 0)
        #expect(Checksum.adler32([]) == 1)
    }
}

/// A xorshift generator: fixed seeds make fuzz failures reproducible.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    /// A number in 0..<bound (0 when bound <= 0).
    mutating func next(_ bound: Int) -> Int {
        bound <= 0 ? 0 : Int(next() % UInt64(bound))
    }
}
