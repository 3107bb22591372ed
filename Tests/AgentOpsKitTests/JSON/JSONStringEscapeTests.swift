import Testing
@testable import AgentOpsKit

/// The word-at-a-time escape (`JSONWriter.writeString`) against the escaping JSON asks
/// for written out one byte at a time, on the inputs that take its other paths: every
/// byte value in every lane, several escapes in a word, strings cut anywhere, invalid
/// UTF-8, strings whose escapes overflow the first pass's room, and long ones.
@Suite("JSON string escape")
struct JSONStringEscapeTests {
    /// What `writeString(bytes:)` must write for `bytes`: quotes, backslashes and control
    /// characters escaped, every other byte (UTF-8, valid or not) as it is.
    static func reference(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x22]
        for byte in bytes {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20: out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        return out + [0x22]
    }

    /// `bytes` escaped after a prefix, as a record appends it; the prefix must stay.
    static func escaped(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = Array("prefix".utf8)
        bytes.withUnsafeBytes { JSONWriter.writeString(bytes: $0, into: &out) }
        #expect(out.prefix(6).elementsEqual("prefix".utf8))
        return Array(out.dropFirst(6))
    }

    /// A fixed-seed xorshift generator, so that a failure can be run again.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    @Test("every byte value in every lane, alone and beside every kind of neighbour")
    func everyByteInEveryLane() {
        for value in 0...255 {
            for neighbour in [0x61, 0x0A, 0x22, 0x5C, 0x00, 0x1F, 0x20, 0x7F, 0x80, 0xC3, 0xFF] as [UInt8] {
                for length in [1, 7, 8, 9, 15, 16, 17, 24] {
                    for position in 0..<length {
                        var bytes = [UInt8](repeating: neighbour, count: length)
                        bytes[position] = UInt8(value)
                        #expect(Self.escaped(bytes) == Self.reference(bytes), "\(bytes)")
                    }
                }
            }
        }
    }

    @Test("random bytes, dense and sparse in escapes, of every length up to 300")
    func randomBytes() {
        var random = Generator(state: 0x9E37_79B9_7F4A_7C15)
        // Alphabets from all bytes to newline-heavy (seq output) and escape-only ones,
        // the last forcing the counted second pass.
        let alphabets: [[UInt8]] = [
            Array(0...255), Array("0123456789\n".utf8), Array("ab\"\\\n\t\r".utf8), Array(0...0x1F),
            Array("plain text, mostly\n".utf8) + [0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80],
        ]
        for round in 0..<3000 {
            let alphabet = alphabets[round % alphabets.count]
            let bytes = (0..<random.below(301)).map { _ in alphabet[random.below(alphabet.count)] }
            #expect(Self.escaped(bytes) == Self.reference(bytes), "\(bytes)")
        }
    }

    @Test("invalid UTF-8 passes through as bytes; through a String it is repaired first")
    func invalidUTF8() {
        let cases: [[UInt8]] = [
            [0x80], [0xBF, 0x0A], [0xC3], [0xC3, 0x0A], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xF8, 0xFF, 0xFE],
            [0xED, 0xA0, 0x80, 0x22], [0xC0, 0xAF, 0x5C], Array("abcdefg".utf8) + [0xE2, 0x82],
        ]
        for invalid in cases {
            for padding in 0..<17 {
                let bytes = [UInt8](repeating: 0x61, count: padding) + invalid + [UInt8](repeating: 0x0A, count: padding % 3)
                #expect(Self.escaped(bytes) == Self.reference(bytes), "\(bytes)")
                let text = String(decoding: bytes, as: UTF8.self)
                var out: [UInt8] = []
                JSONWriter.writeString(text, into: &out)
                #expect(out == Self.reference(Array(text.utf8)), "\(bytes)")
            }
        }
    }

    @Test("a long buffer cut at every offset and length around word boundaries")
    func cutAnywhere() {
        var random = Generator(state: 0x2545_F491_4F6C_DD1D)
        let pieces = ["12345\n", "日本語", "😀", "é", "\"", "\\", "\u{1}", "\t", "word "]
        let text = (0..<200).map { _ in pieces[random.below(pieces.count)] }.joined()
        let bytes = Array(text.utf8)
        for start in 0..<40 {
            for length in 0..<min(70, bytes.count - start) {
                let slice = Array(bytes[start..<(start + length)])
                #expect(Self.escaped(slice) == Self.reference(slice), "\(start) \(length)")
            }
        }
    }

    @Test("megabytes of seq output, prose and random bytes, written to their exact length")
    func long() {
        var seq: [UInt8] = []
        for n in 19_900_000..<19_990_000 { seq += Array("\(n)\n".utf8) }
        var random = Generator(state: 0xD1B5_4A32_D192_ED03)
        let noise = (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let prose = Array(String(repeating: "The \"quick\" brown fox\tjumps over C:\\dogs.\n", count: 20_000).utf8)
        let controls = [UInt8](repeating: 0x01, count: 100_000) + [0x0A]
        for bytes in [seq, noise, prose, controls] {
            let out = Self.escaped(bytes)
            #expect(out == Self.reference(bytes))
            let extra = bytes.withUnsafeBytes { JSONWriter.escapedExtra($0) }
            #expect(out.count == bytes.count + extra + 2, "no room left over")
        }
    }
}
