/// What can go wrong with the local store, in words a user can act on.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The store's folder could not be created or used.
    case cannotCreateFolder(path: String, reason: String)
    /// A session file could not be opened.
    case cannotOpen(path: String, reason: String)
    /// Appending to a session file failed.
    case cannotWrite(path: String, reason: String)
    /// No session matches what the user typed.
    case sessionNotFound(query: String, home: String)
    /// Several sessions start with the prefix the user typed.
    case ambiguousSessionPrefix(query: String, matches: [String])
    /// A store entry is a symbolic link (dangling or not), a folder, a FIFO, a socket or
    /// anything but a regular file.
    case notARegularFile(path: String)
    /// A record is bigger than a log line may be.
    case recordTooLarge(path: String, bytes: Int, limit: Int)
    /// The session file was deleted (or pruned) while it was being written.
    case detached(path: String)
    /// The store's folder is not a folder, or belongs to someone else, or others may
    /// write to it (as ssh refuses such folders).
    case unsafeFolder(path: String, reason: String)
    /// A session file holds no start record.
    case noStartRecord(path: String)
    /// The log asked for by its file name holds another session (renamed, or copied
    /// under another name): read as the one asked for, it showed the other with no word.
    case holdsAnotherSession(path: String, holds: String)
    /// The session index (a cache) could not be saved: listing still works, from the
    /// logs, but folds each new or changed log again every time.
    case indexNotSaved(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotCreateFolder(path, reason):
            return "cannot create the session store at \(path): \(reason) (set AGENTOPS_HOME to a writable folder)"
        case let .cannotOpen(path, reason):
            return "cannot open \(path): \(reason)"
        case let .cannotWrite(path, reason):
            return "cannot write to \(path): \(reason)"
        case let .sessionNotFound(query, home):
            return "no session matches '\(query)' in \(home) (see 'agentops sessions')"
        case let .ambiguousSessionPrefix(query, matches):
            let shown = matches.prefix(5).joined(separator: ", ")
            return "'\(query)' matches \(matches.count) sessions (\(shown)\(matches.count > 5 ? ", …" : "")): "
                + "type more of the id"
        case let .notARegularFile(path):
            return "\(path) is not a regular file (a symbolic link, folder, FIFO, socket or device in the store is "
                + "never followed nor read)"
        case let .recordTooLarge(path, bytes, limit):
            return "cannot write to \(path): a record of \(bytes) bytes is over the \(limit >> 20) MiB a line may hold"
        case let .detached(path):
            return "\(path) was deleted or pruned while the session was recorded; what follows is lost"
        case let .unsafeFolder(path, reason):
            return "refusing the session store at \(path): \(reason)"
        case let .noStartRecord(path):
            return "\(path) holds no session (no start record)"
        case let .holdsAnotherSession(path, holds):
            return "\(path) holds session \(holds), not the one its name says (renamed, or a copy?); "
                + "'agentops sessions' says what to do"
        case let .indexNotSaved(path, reason):
            return "cannot save the session index: \(path): \(reason); until it can, every listing reads "
                + "each new or changed log again"
        }
    }
}



