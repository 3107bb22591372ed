import Foundation

/// A session id: a UUID, lowercase and hyphenated as the SDK and the server write it.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    /// The canonical lowercase form.
    public let value: String

    /// A fresh random (version 4) id.
    public static func random() -> SessionID { SessionID(uuid: UUID()) }

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
public func newEventID() -> String { UUID().uuidString.lowercased() }
