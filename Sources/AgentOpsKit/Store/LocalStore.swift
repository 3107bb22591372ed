/// The local session store: one session log (`SessionLog`) per session under
/// `$AGENTOPS_HOME/sessions/`, created owner-only, beside each exporter's cursor
/// (`ExportCursor`).
public struct LocalStore: Sendable {
    /// The store's root folder.
    public let home: String

    /// The store at `home`.
    public init(home: String) { self.home = home }

    /// The store named by the environment: `$AGENTOPS_HOME`, else `~/.agentops`.
    public init(environment: [String: String]) {
        if let home = environment["AGENTOPS_HOME"], !home.isEmpty {
            self.init(home: home)
        } else {
            let user = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            self.init(home: user + "/.agentops")
        }
    }

    /// The folder holding session files.
    public var sessionsFolder: String { home + "/sessions" }

    /// The log of session `id`.
    public func path(of id: SessionID) -> String { sessionsFolder + "/" + id.value + ".jsonl" }

    /// Creates the store's folders (mode 0700) if needed, and checks they are safe to
    /// write session files into.
    ///
    /// - Throws: `StoreError.cannotCreateFolder`, `.unsafeFolder`.
    public func prepare() throws(StoreError) {
        for folder in [home, sessionsFolder] {
            do { try StoreFolders.makePrivateFolder(folder) } catch {
                throw .cannotCreateFolder(path: folder, reason: error.description)
            }
            try checkFolder(folder)
        }
    }

    /// Refuses a store folder that is not a folder, belongs to another user, or that
    /// others may write to (they could plant or swap session files), as ssh refuses
    /// such folders for its keys. The home is the user's own choice and may be a
    /// symlink to a folder (a dotfile moved to a bigger disk); the sessions folder
    /// inside it may not.
    func checkFolder(_ folder: String) throws(StoreError) {
        let info: FolderStatus
        do { info = try StoreFolders.status(folder, followingLink: folder == home) } catch {
            throw .cannotOpen(path: folder, reason: error.description)
        }
        guard info.isDirectory else {
            throw .unsafeFolder(path: folder, reason: "it is not a folder (set AGENTOPS_HOME to a folder of yours)")
        }
        guard info.isOwnedByMe else {
            throw .unsafeFolder(path: folder, reason: "it belongs to user \(info.owner), not to you")
        }
        guard !info.isWritableByOthers else {
            throw .unsafeFolder(path: folder, reason: "others may write to it (chmod go-w \(folder))")
        }
    }

    /// Whether session `id` has a file.
    public func exists(_ id: SessionID) -> Bool { StoreFolders.exists(path(of: id)) }

    /// Opens session `id`'s log for appending (creating the store if needed).
    ///
    /// - Throws: `StoreError`.
    public func open(_ id: SessionID) throws(StoreError) -> SessionLog {
        try prepare()
        return try SessionLog(path: path(of: id))
    }

    /// The ids of all stored sessions, in no particular order; none when the store was
    /// never created. Only logs named canonically (`ID.jsonl`, lowercase), as the listing
    /// reads them: an upper-case copy or link beside a session made its id match "2
    /// sessions (X, X)" however much of it was typed (hostile pass, round 14).
    ///
    /// - Throws: `StoreError.unsafeFolder` or `.cannotOpen` when the store exists but
    ///   cannot be listed (a file where the folder should be, no permission), or is one
    ///   writers refuse: what others could plant there is not shown or pruned either.
    public func sessionIDs() throws(StoreError) -> [SessionID] {
        var ids: [SessionID] = []
        try forEachLogName { raw in
            let name = String(decoding: raw, as: UTF8.self)
            if let id = SessionID(name), id.value == name { ids.append(id) }
        }
        return ids
    }

    /// The ids of the logs named canonically (`ID.jsonl`, lowercase), packed, in no
    /// particular order; what `sessionIDs` lists, for the listing of a large store.
    ///
    /// - Throws: what `sessionIDs` throws.
    func packedLogIDs() throws(StoreError) -> [PackedSessionID] {
        var ids: [PackedSessionID] = []
        try forEachLogName { raw in
            if let id = PackedSessionID(raw.baseAddress!.assumingMemoryBound(to: UInt8.self)) { ids.append(id) }
        }
        return ids
    }

    /// Calls `body` with the 36 bytes of id of every `ID.jsonl` in the sessions folder,
    /// looked at in place (no `String` per name, for a store of 100,000 files); with none
    /// when the store was never created.
    ///
    /// - Throws: what `sessionIDs` throws.
    private func forEachLogName(_ body: (UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        for folder in [home, sessionsFolder] {
            if StoreFolders.isMissing(folder) { return }
            try checkFolder(folder)
        }
        let suffix = Array(".jsonl\0".utf8)
        let listed = DirectoryListing.forEachName(in: sessionsFolder) { raw in
            // `ID.jsonl`: 36 bytes of id, the suffix and its NUL.
            guard raw.count >= 36 + suffix.count, raw[36..<(36 + suffix.count)].elementsEqual(suffix) else { return }
            body(UnsafeRawBufferPointer(rebasing: raw[..<36]))
        }
        guard listed else { throw .cannotOpen(path: sessionsFolder, reason: errnoText()) }
    }

    /// Every session summarised, newest first; unreadable files are skipped.
    ///
    /// Summaries come from the session index (`SessionIndex`) where a log has not
    /// changed since it was indexed, so only new and changed logs are read.
    ///
    /// - Throws: what `sessionIDs` throws.
    func summaries() throws(StoreError) -> [SessionSummary] {
        try listing().summaries()
    }

    /// Every session as a row to filter, sort and total on, newest first, with its full
    /// summary decoded only when asked for (`agentops sessions` shows a few of many).
    /// Commands list with `listing(warningOn:)`, which says when the index was not saved.
    ///
    /// - Throws: what `sessionIDs` throws.
    func listing() throws(StoreError) -> SessionListing {
        try SessionIndex(store: self).listing()
    }

    /// Finds the session a user means: a full id, a unique prefix of one, or `last`
    /// (the most recently started).
    ///
    /// - Throws: `StoreError.sessionNotFound` or `.ambiguousSessionPrefix`.
    public func resolve(_ query: String) throws(StoreError) -> SessionID {
        let ids = try sessionIDs()
        if query == "last" {
            // A file that holds another session than its name says is not listed, nor last.
            let newest = ids.compactMap { id -> (SessionID, Timestamp)? in
                guard let start = try? startRecord(of: id), start.id == id else { return nil }
                return (id, start.initTimestamp)
            }.max { $0.1 < $1.1 }
            guard let newest else { throw .sessionNotFound(query: query, home: home) }
            return newest.0
        }
        let wanted = query.lowercased()
        guard !wanted.isEmpty else { throw .sessionNotFound(query: query, home: home) }
        let matches = ids.filter { $0.value.hasPrefix(wanted) }
        if matches.count == 1 {
            // `show`, `export`, `report` and `stats` showed the session a renamed or copied
            // file holds under the name asked for (second hostile pass, round 13).
            if let problem = holdsAnotherSession(matches[0]) { throw problem }
            return matches[0]
        }
        if matches.isEmpty { throw .sessionNotFound(query: query, home: home) }
        throw .ambiguousSessionPrefix(query: query, matches: matches.map(\.value).sorted())
    }

    /// The start time from the first line of a session file, reading only that line.
    func startTimestamp(of id: SessionID) -> Timestamp? { try? startRecordTimestamp(of: id) }

    /// The start time from the first line of a session file, reading only that line.
    ///
    /// - Throws: why the file cannot be read (not a regular file, no permission), as
    ///   `show` says it, or `StoreError.noStartRecord` when it holds no session.
    public func startRecordTimestamp(of id: SessionID) throws(StoreError) -> Timestamp {
        try startRecord(of: id).initTimestamp
    }

    /// Why `id`'s file cannot be written to as `id`'s: it holds another session (its
    /// start record names it); nil when it does not, or there is no such file.
    public func holdsAnotherSession(_ id: SessionID) -> StoreError? {
        guard let held = try? startRecord(of: id), held.id != id else { return nil }
        return .holdsAnotherSession(path: path(of: id), holds: held.id.value)
    }

    /// The session of the first line of a session file, reading only that line.
    ///
    /// - Throws: as `startRecordTimestamp(of:)`.
    func startRecord(of id: SessionID) throws(StoreError) -> Session {
        var start: Session?
        struct Found: Error {}
        do {
            _ = try SessionLog.read(path: path(of: id)) { record in
                if case let .start(session) = record { start = session }
                throw Found()
            }
        } catch let error as StoreError {
            throw error
        } catch {}
        guard let start else { throw .noStartRecord(path: path(of: id)) }
        return start
    }
}
