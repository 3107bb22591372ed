/// A record left out of an append because its line would be over the log's limit.
public struct OversizedRecord: Sendable, Equatable {
    /// Its position in the records given.
    public var position: Int
    /// The length its line would have had, newline included.
    public var bytes: Int
}

/// What an append does with records over the log's line limit: a huge span attribute
/// must not take the rest of its OTLP batch with it (`leaveOut`), while the AgentOps
/// API takes a `create_events` batch all or none (`refuseAll`).
public enum OversizePolicy: Sendable {
    /// Store the other records.
    case leaveOut
    /// Store nothing.
    case refuseAll
}
