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
        guard text.utf8.count == 36 else { return nil }
        for (index, byte) in text.utf8.enumerated() {
            let valid = index == 8 || index == 13 || index == 18 || index == 23
                ? byte == UInt8(ascii: "-")
                : (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte | 0x20)
            guard valid else { return nil }
        }
        value = text.lowercased()
    }

    public var description: String { value }
}

/// A new random event id (UUID v4, lowercase).
public func newEventID() -> String { UUID().uuidString.lowercased() }
