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
        // nil: not a UUID; else whether it has capitals (ids are written lowercase, so
        // lowercasing, which allocates, is mostly skipped).
        let capitals = text.withUTF8 { bytes -> Bool? in
            guard bytes.count == 36 else { return nil }
            var capitals = false
            for index in 0..<36 {
                let byte = bytes[index]
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                } else if (0x41...0x46).contains(byte) {
                    capitals = true
                } else {
                    guard (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) else { return nil }
                }
            }
            return capitals
        }
        guard let capitals else { return nil }
        value = capitals ? text.lowercased() : text
    }

    public var description: String { value }
}

/// A new random event id (UUID v4, lowercase).
public func newEventID() -> String { UUID().uuidString.lowercased() }
