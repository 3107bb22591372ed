/// The `event_type` strings of the protocol; also the keys of the export document.
public enum EventType: String, Sendable, CaseIterable {
    case actions
    case llms
    case tools
    case errors
    case apis
}
