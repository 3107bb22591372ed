/// Bytes from the system — arguments, environment entries, file names — as Swift
/// strings, without loss, and back.
///
/// A Swift `String` holds valid Unicode only: `CommandLine.arguments` and
/// `ProcessInfo` repair invalid UTF-8 with U+FFFD, so a Latin-1 file name (`caf\xe9`) or
/// an environment value of raw bytes reached the command changed, where a wrapper must
/// pass them on untouched (hostile pass, round 9). Here each byte that is not part of
/// valid UTF-8 becomes one of 256 code points at the end of plane 16's private use area,
/// U+10FF00 + the byte, and goes back to that byte on the way out. A code point already
/// in that range in valid input (four bytes F4 8F BC–BF xx) is escaped byte by byte too,
/// so the mapping is one-to-one both ways: it is Python's `surrogateescape`, with code
/// points a Swift string can hold (lone surrogates it cannot).
///
/// Inside agentops-run such strings are used as any other; they go back to bytes where
/// they reach the system (`bytes`, `withCString`), and are shown with U+FFFD in
/// messages and records (`displayed`).
public enum SystemString {
    /// The first escape: the byte 0x00 (only bytes 0x80–0xFF and the bytes of an escaped
    /// code point are ever escaped).
    static let escapeBase: UInt32 = 0x10_FF00

    /// The string for `bytes`: valid UTF-8 as it is, anything else escaped.
    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        // The common case in one pass: valid UTF-8 with nothing in the escape range,
        // whose encoding starts F4 8F BC–BF (0xF4 begins plane 16 only: rare).
        if !bytes.contains(0xF4), let valid = String(validating: bytes, as: UTF8.self) { return valid }
        let bytes = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            let length = validLength(bytes, at: index)
            guard length > 0 else {
                // Not UTF-8 here: this one byte is escaped, the next one looked at afresh.
                scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[index]))!)
                index += 1
                continue
            }
            var value = length == 1 ? UInt32(bytes[index]) : UInt32(bytes[index]) & (0x7F >> UInt32(length))
            for offset in 1..<max(1, length) { value = value << 6 | UInt32(bytes[index + offset] & 0x3F) }
            if value >= escapeBase {
                for offset in 0..<length { scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[index + offset]))!) }
            } else {
                scalars.append(Unicode.Scalar(value)!)
            }
            index += length
        }
        return String(scalars)
    }

    /// The length of the valid UTF-8 sequence at `index` (1–4), or 0 when none starts
    /// there: overlong forms, surrogates and values past U+10FFFF are not valid
    /// (RFC 3629, table 3-7 of the Unicode standard).
    static func validLength(_ bytes: [UInt8], at index: Int) -> Int {
        let first = bytes[index]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // the second byte's range
        switch first {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        guard bytes.count - index >= length, (low...high).contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }

    /// The bytes `string` stands for: escapes back to their bytes, the rest as UTF-8.
    public static func bytes(_ string: String) -> [UInt8] {
        guard string.utf8.contains(0xF4) else { return Array(string.utf8) }
        var result: [UInt8] = []
        result.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            if scalar.value >= escapeBase {
                result.append(UInt8(truncatingIfNeeded: scalar.value - escapeBase))
            } else {
                result.append(contentsOf: UTF8.encode(scalar)!)
            }
        }
        return result
    }

    /// Calls `body` with `string`'s bytes as a NUL-terminated C string, for a system call.
    public static func withCString<Result>(_ string: String, _ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        guard string.utf8.contains(0xF4) else { return try string.withCString(body) }
        return try (bytes(string) + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// `string` for people, as UTF-8 decoding of its bytes shows them: what is not UTF-8
    /// as U+FFFD (as `String(cString:)` would have repaired it), a character of the
    /// escape range as itself. Captured output is decoded the same way, so a secret
    /// shown so is found in it (`Redactor`); also messages and recorded commands.
    public static func displayed(_ string: String) -> String {
        guard string.utf8.contains(0xF4) else { return string }
        return String(decoding: bytes(string), as: UTF8.self)
    }

    /// `value` for a one-line message: its first `characters` and its size when longer (a
    /// 128 KiB variable's value, repeated whole in warnings, filled the terminal: second
    /// hostile pass, round 12).
    public static func clipped(_ value: String, to characters: Int = 200) -> String {
        value.count > characters ? value.prefix(characters) + "… (\(value.utf8.count) bytes)" : value
    }
}
