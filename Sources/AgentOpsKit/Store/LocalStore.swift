import Glibc

/// The local session store: one append-only JSON Lines file per session under
/// `$AGENTOPS_HOME/sessions/`, created owner-only.
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

    /// The file of session `id`.
    public func path(of id: SessionID) -> String { sessionsFolder + "/" + id.value + ".jsonl" }

    /// Creates the store's folders (mode 0700) if needed.
    ///
    /// - Throws: `StoreError.cannotCreateFolder`.
    public func prepare() throws {
        for folder in [home, sessionsFolder] {
            if mkdir(folder, 0o700) != 0, errno != EEXIST {
                throw StoreError.cannotCreateFolder(path: folder, reason: errnoText())
            }
        }
    }

    /// Whether session `id` has a file.
    public func exists(_ id: SessionID) -> Bool { access(path(of: id), F_OK) == 0 }

    /// Opens session `id`'s file for appending (creating the store if needed).
    public func open(_ id: SessionID) throws -> SessionFile {
        try prepare()
        return try SessionFile(path: path(of: id))
    }

    /// The ids of all stored sessions, in no particular order.
    public func sessionIDs() -> [SessionID] {
        guard let dir = opendir(sessionsFolder) else { return [] }
        defer { closedir(dir) }
        var ids: [SessionID] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasSuffix(".jsonl"), let id = SessionID(String(name.dropLast(6))) else { continue }
            ids.append(id)
        }
        return ids
    }

    /// Every session summarised, newest first; unreadable files are skipped.
    public func summaries() -> [SessionSummary] {
        sessionIDs()
            .compactMap { try? SessionSummary.load(path: path(of: $0)) }
            .sorted { $0.session.initTimestamp > $1.session.initTimestamp }
    }

    /// Finds the session a user means: a full id, a unique prefix of one, or `last`
    /// (the most recently started).
    ///
    /// - Throws: `StoreError.sessionNotFound` or `.ambiguousSessionPrefix`.
    public func resolve(_ query: String) throws -> SessionID {
        let ids = sessionIDs()
        if query == "last" {
            let newest = ids.compactMap { id -> (SessionID, Timestamp)? in
                guard let start = startTimestamp(of: id) else { return nil }
                return (id, start)
            }.max { $0.1 < $1.1 }
            guard let newest else { throw StoreError.sessionNotFound(query: query, home: home) }
            return newest.0
        }
        let wanted = query.lowercased()
        guard !wanted.isEmpty else { throw StoreError.sessionNotFound(query: query, home: home) }
        let matches = ids.filter { $0.value.hasPrefix(wanted) }
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty { throw StoreError.sessionNotFound(query: query, home: home) }
        throw StoreError.ambiguousSessionPrefix(query: query, matches: matches.map(\.value).sorted())
    }

    /// The start time from the first line of a session file, reading only that line.
    func startTimestamp(of id: SessionID) -> Timestamp? {
        var start: Timestamp?
        struct Found: Error {}
        _ = try? SessionReader.read(path: path(of: id)) { record in
            if case let .start(session) = record { start = session.initTimestamp }
            throw Found()
        }
        return start
    }
}
