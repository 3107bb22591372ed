import Foundation

/// A session id: a UUID, lowercase and hyphenated as the SDK and the server write it.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    /// The canonical lowercase form.
    public let value: String

    /// A fresh random (version 4) id.
    public static func random() -> SessionID { SessionID(lowercaseText: randomUUIDText()) }

    private init(lowercaseText: String) { value = lowercaseText }

    /// An id from a `UUID`.
    public init(uuid: UUID) { value = uuid.uuidString.lowercased() }

    /// Validates `text` as a UUID (any case); nil when it is not one.
    ///
    /// Checked byte by byte rather than through `UUID(uuidString:)` (an `sscanf`): every
    /// file of the store is named by one, and listing 100,000 sessions checks them all.
    public init?(_ text: String) {
        var text = text
        // Every event read back carries one: checked in place, and the usual lowercase
        // id kept as it is rather than copied.
        let check = text.withUTF8 { bytes -> (valid: Bool, lowercase: Bool) in
            guard bytes.count == 36 else { return (false, false) }
            var lowercase = true
            for index in 0..<36 {
                let byte = bytes[index]
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard byte == UInt8(ascii: "-") else { return (false, false) }
                } else if (0x41...0x46).contains(byte) {
                    lowercase = false
                } else {
                    guard (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) else { return (false, false) }
                }
            }
            return (true, lowercase)
        }
        guard check.valid else { return nil }
        value = check.lowercase ? text : text.lowercased()
    }

    public var description: String { value }
}

/// A new random event id (UUID v4, lowercase).
public func newEventID() -> String { randomUUIDText() }

/// A random (version 4) UUID as lowercase text, from the system's generator
/// (`getrandom`). Not Foundation's `UUID()`: it opens, reads and closes `/dev/urandom`
/// for each one (2.5 µs a call against 0.9 here, and about 25 µs for the first, which
/// is on the launch path: the session's id is made before the command starts).
func randomUUIDText() -> String {
    var generator = SystemRandomNumberGenerator()
    var bytes = (generator.next() as UInt64, generator.next() as UInt64)
    return withUnsafeMutableBytes(of: &bytes) { raw in
        raw[6] = raw[6] & 0x0f | 0x40  // version 4
        raw[8] = raw[8] & 0x3f | 0x80  // the RFC 4122 variant
        return String(unsafeUninitializedCapacity: 36) { text in
            func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
            var count = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[count] = UInt8(ascii: "-")
                    count += 1
                }
                text[count] = hexDigit(raw[index] >> 4)
                text[count + 1] = hexDigit(raw[index] & 0x0f)
                count += 2
            }
            return count
        }
    }
}
