import Testing
@testable import AgentOpsKit

/// Arguments, environment entries and file names go through agentops-run as strings
/// and must come out as the same bytes, whatever they are (`SystemString`).
@Suite("System strings without loss")
struct SystemStringTests {
    /// Bytes that are not UTF-8, or are UTF-8 near the escape range, each a case a
    /// repairing decoder changes: lone continuation, cut sequences, overlong forms,
    /// surrogates, past U+10FFFF, and plane 16's last code points written as UTF-8.
    static let awkward: [[UInt8]] = [
        [0x63, 0x61, 0x66, 0xE9], [0xFF, 0xFE], [0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xF4, 0x8F, 0xBC, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF], [0xF4, 0x8F, 0xBB, 0xBF],
        [0x00, 0xFF, 0x00], Array("héllo ✓ 😀".utf8),
    ]

    @Test("any bytes come back as they went in")
    func roundTrip() {
        for bytes in Self.awkward {
            #expect(SystemString.bytes(SystemString.decode(bytes)) == bytes)
        }
        // Random strings over the bytes that make UTF-8 hard, and all the others.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet: [UInt8] = [0x41, 0x80, 0x8F, 0xBC, 0xBF, 0xC3, 0xA9, 0xE2, 0xED, 0xF0, 0xF4, 0xFF, 0x00]
        for _ in 0..<5000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(state % 12) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let pick = Int(state >> 33)
                bytes.append(pick % 4 == 0 ? UInt8(truncatingIfNeeded: pick >> 8) : alphabet[pick % alphabet.count])
            }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            #expect(SystemString.bytes(SystemString.decode(bytes)) == bytes, "\(bytes)")
        }
    }

    @Test("valid UTF-8 is the string it spells, and other bytes become escapes shown as U+FFFD")
    func decoding() {
        let text = "héllo ✓ 😀 \u{10FEFF}"
        #expect(SystemString.decode(Array(text.utf8)) == text)
        #expect(SystemString.displayed(text) == text)
        let latin1 = SystemString.decode([0x63, 0x61, 0x66, 0xE9])
        #expect(latin1 != "caf\u{FFFD}")
        #expect(SystemString.displayed(latin1) == "caf\u{FFFD}")
        // A code point of the escape range, written as UTF-8, is four escapes inside, and
        // shown as itself.
        let escapeRange = SystemString.decode([0xF4, 0x8F, 0xBF, 0xBF])
        #expect(escapeRange.unicodeScalars.count == 4)
        #expect(SystemString.displayed(escapeRange) == "\u{10FFFF}")
    }

    @Test("a C string made from a system string holds its bytes")
    func cString() {
        for bytes in Self.awkward where !bytes.contains(0) {
            let back = SystemString.withCString(SystemString.decode(bytes)) { pointer in
                Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                          count: bytes.count + 1))
            }
            #expect(back == bytes + [0])
        }
    }
}
