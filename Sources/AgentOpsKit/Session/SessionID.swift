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
    public init?(_ text: String) {
        guard text.utf8.count == 36, let uuid = UUID(uuidString: text) else { return nil }
        self.init(uuid: uuid)
    }

    public var description: String { value }
}

/// A new random event id (UUID v4, lowercase).
public func newEventID() -> String { UUID().uuidString.lowercased() }
