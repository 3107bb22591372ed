import Glibc

/// How far a session has been uploaded: `ID.sync` beside its session file.
///
/// Records are uploaded in file order and `offset` only moves past a record once the
/// API acknowledged it, so everything after `offset` is what is still unsent.
public struct SyncState: Sendable, Equatable {
    /// Bytes of the session file acknowledged by the API.
    public var offset = 0
    /// The session's JWT from `create_session`.
    public var jwt: String?
    /// The last `token_cost` the API answered with, as it sent it.
    public var tokenCost: JSONValue?
    /// The session's page on the AgentOps dashboard.
    public var sessionURL: String?

    /// A state with nothing uploaded.
    public init() {}

    /// Where the state of session `id` is kept.
    public static func path(store: LocalStore, id: SessionID) -> String {
        store.sessionsFolder + "/" + id.value + ".sync"
    }

    /// The saved state, or a fresh one.
    public static func load(store: LocalStore, id: SessionID) -> SyncState {
        var state = SyncState()
        guard let text = readSmallFile(path(store: store, id: id)), let json = try? JSONParser.parse(text) else {
            return state
        }
        state.offset = json["offset"]?.intValue ?? 0
        state.jwt = json["jwt"]?.stringValue
        state.tokenCost = json["token_cost"].flatMap { $0 == .null ? nil : $0 }
        state.sessionURL = json["session_url"]?.stringValue
        return state
    }

    /// Saves the state (written whole to a temporary file, then renamed: a crash
    /// leaves the old state or the new one, never half of one).
    public func save(store: LocalStore, id: SessionID) throws {
        let path = Self.path(store: store, id: id)
        let temporary = path + ".tmp"
        let json = JSONValue.object([
            ("offset", .int(offset)), ("jwt", .optionalString(jwt)), ("token_cost", tokenCost ?? .null),
            ("session_url", .optionalString(sessionURL)),
        ])
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.cannotWrite(path: temporary, reason: errnoText()) }
        let bytes = JSONWriter.compact(json)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            throw StoreError.cannotWrite(path: path, reason: errnoText())
        }
    }

    /// Whether the API acknowledged all of session `id`'s file so far: a `stat` and a
    /// small read, cheap enough to ask every few milliseconds.
    public static func isAcknowledged(_ id: SessionID, store: LocalStore) -> Bool {
        var info = stat()
        guard stat(store.path(of: id), &info) == 0 else { return true }
        return load(store: store, id: id).offset >= Int(info.st_size)
    }

    /// Whether all of session `id` that is recorded has been acknowledged, and it ended.
    ///
    /// - Parameter summary: the session's summary when the caller has it (else the file
    ///   is read for it).
    public static func isUploaded(_ id: SessionID, store: LocalStore, summary: SessionSummary? = nil) -> Bool {
        guard isAcknowledged(id, store: store) else { return false }
        return (summary ?? (try? SessionSummary.load(path: store.path(of: id))))?.end != nil
    }

    /// Whether session `id` has ever been given to the uploader.
    public static func exists(_ id: SessionID, store: LocalStore) -> Bool {
        access(path(store: store, id: id), F_OK) == 0
    }
}
