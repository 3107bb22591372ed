/// How far a session has been uploaded to the AgentOps v2 API: the AgentOps exporter's
/// `ExportCursor` (`ID.sync`), with the session's JWT and what the API answered.
public struct SyncState: Sendable, Equatable {
    /// The AgentOps exporter's name, the suffix of its cursor files.
    public static let exporter = "sync"

    /// Bytes of the session log acknowledged by the API.
    public var offset = 0
    /// The session's JWT from `create_session`.
    public var jwt: String?
    /// The last `token_cost` the API answered with, as it sent it.
    public var tokenCost: JSONValue?
    /// The session's page on the AgentOps dashboard.
    public var sessionURL: String?
    /// The offset at which the API was given an end the log does not hold, for a session
    /// abandoned without one (`AbandonedSession`).
    public var closedAt: Int?

    /// A state with nothing uploaded.
    public init() {}

    /// The saved state, or a fresh one.
    public static func load(store: LocalStore, id: SessionID) -> SyncState {
        let cursor = ExportCursor.load(store: store, id: id, exporter: exporter)
        var state = SyncState()
        state.offset = cursor.offset
        state.jwt = cursor.extra["jwt"]?.stringValue
        state.tokenCost = cursor.extra["token_cost"].flatMap { $0 == .null ? nil : $0 }
        state.sessionURL = cursor.extra["session_url"]?.stringValue
        state.closedAt = cursor.extra["closed_at"]?.intValue
        return state
    }

    /// Saves the state.
    ///
    /// - Throws: `StoreError.cannotWrite`.
    public func save(store: LocalStore, id: SessionID) throws(StoreError) {
        var cursor = ExportCursor(exporter: Self.exporter)
        cursor.offset = offset
        cursor.extra = ["jwt": .optionalString(jwt), "token_cost": tokenCost ?? .null,
                        "session_url": .optionalString(sessionURL)]
        if let closedAt { cursor.extra["closed_at"] = .int(closedAt) }
        try cursor.save(store: store, id: id)
    }

    /// Whether the API acknowledged all of session `id`'s log so far.
    public static func isAcknowledged(_ id: SessionID, store: LocalStore) -> Bool {
        ExportCursor.isAcknowledged(id, store: store, exporter: exporter)
    }

    /// Whether all of session `id` that is recorded has been acknowledged, and it ended
    /// (or the API was given an end for it as an abandoned session, at the log's end).
    ///
    /// - Parameter summary: the session's summary when the caller has it (else the log
    ///   is read for it).
    public static func isUploaded(_ id: SessionID, store: LocalStore, summary: SessionSummary? = nil) -> Bool {
        guard isAcknowledged(id, store: store) else { return false }
        if (summary ?? (try? SessionLog.summary(path: store.path(of: id))))?.end != nil { return true }
        let state = load(store: store, id: id)
        return state.closedAt.map { $0 >= state.offset } ?? false
    }

    /// Whether session `id` has ever been given to the uploader.
    public static func exists(_ id: SessionID, store: LocalStore) -> Bool {
        ExportCursor.exists(id, store: store, exporter: exporter)
    }
}
