/// How far one exporter has taken a session: `ID.<exporter>` beside the session log.
///
/// An exporter follows the log and moves `offset` past a record only once its backend
/// acknowledged it, so everything after `offset` is what that backend still lacks.
/// Each exporter has its own file, so one never disturbs another's progress; `extra`
/// keeps what an exporter needs to resume (the AgentOps JWT, say).
public struct ExportCursor: Sendable, Equatable {
    /// The exporter's name, which is also the file's suffix.
    public let exporter: String
    /// Bytes of the session log the backend acknowledged.
    public var offset = 0
    /// The exporter's own fields, saved with the offset.
    public var extra: [String: JSONValue] = [:]

    /// A cursor with nothing acknowledged.
    public init(exporter: String) { self.exporter = exporter }

    /// Where `exporter`'s cursor of session `id` is kept.
    public static func path(store: LocalStore, id: SessionID, exporter: String) -> String {
        store.sessionsFolder + "/" + id.value + "." + exporter
    }

    /// The saved cursor, or a fresh one (a missing or unreadable file is a fresh start:
    /// a backend receiving a record twice is harmless, event ids make it idempotent).
    public static func load(store: LocalStore, id: SessionID, exporter: String) -> ExportCursor {
        var cursor = ExportCursor(exporter: exporter)
        guard let text = Descriptors.readSmallFile(path(store: store, id: id, exporter: exporter)),
              case let .object(pairs)? = try? JSONParser.parse(text) else { return cursor }
        for (key, value) in pairs where key != "offset" { cursor.extra[key] = value }
        cursor.offset = max(0, pairs.first { $0.0 == "offset" }?.1.intValue ?? 0)
        return cursor
    }

    /// Saves the cursor (written whole to a temporary file, then renamed: a crash
    /// leaves the old cursor or the new one, never half of one).
    ///
    /// - Throws: `StoreError.cannotWrite`.
    public func save(store: LocalStore, id: SessionID) throws(StoreError) {
        let path = Self.path(store: store, id: id, exporter: exporter)
        let temporary = path + ".tmp"
        let json = JSONValue.object([("offset", .int(offset))] + extra.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let written: Bool
        do { written = try StoreFolders.writePrivateFile(temporary, JSONWriter.compact(json)) } catch {
            throw .cannotWrite(path: temporary, reason: error.description)
        }
        guard written else { throw .cannotWrite(path: path, reason: errnoText()) }
        do { try StoreFolders.rename(temporary, over: path) } catch {
            throw .cannotWrite(path: path, reason: error.description)
        }
    }

    /// Whether `exporter` has acknowledged all of session `id`'s log so far: a `stat`
    /// and a small read, cheap enough to ask every few milliseconds.
    public static func isAcknowledged(_ id: SessionID, store: LocalStore, exporter: String) -> Bool {
        guard let log = Files.status(store.path(of: id)) else { return true }
        return Int64(load(store: store, id: id, exporter: exporter).offset) >= log.size
    }

    /// Whether session `id` has ever been given to `exporter`.
    public static func exists(_ id: SessionID, store: LocalStore, exporter: String) -> Bool {
        StoreFolders.exists(path(store: store, id: id, exporter: exporter))
    }
}
