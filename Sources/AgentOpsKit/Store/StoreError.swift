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
        }
    }
}

/// The text of `errno` for messages.
func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

import Glibc
