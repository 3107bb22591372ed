/// Why the command could not be started, with the exit status a shell would give.
public enum LaunchError: Error, CustomStringConvertible, Equatable {
    /// No executable of that name in the search path (exit 127).
    case commandNotFound(name: String, searchPath: String)
    /// The file does not exist (exit 127).
    case noSuchFile(path: String)
    /// Found but cannot be executed: no permission, a directory, a bad format (exit 126).
    case notExecutable(path: String, reason: Refusal)
    /// agentops-run could not prepare what the command needs (a pipe, a pseudo-
    /// terminal): its own failure, so 125 as `timeout` and `env` use, not the
    /// command's 126.
    case cannotPrepare(what: String, reason: String)
    /// The exec refused the arguments and environment as too long (`E2BIG`), which
    /// without the variables agentops-run adds would have fit (`ExecSpace`): agentops-run's
    /// failure (exit 125), not the command's. Sizes in bytes, as the kernel counts them;
    /// `longest` when one variable it set is over the kernel's limit for one string.
    case tooLongWithAddedVariables(path: String, added: Int, total: Int, limit: Int, longest: Bool)

    /// 127 for not found, 126 for found but not runnable, as shells do: a script whose
    /// interpreter is missing (the exec's `ENOENT`) is 127 there too, as `sh`, `bash`
    /// and `env` give it (it was 126: second hostile pass, round 11).
    public var exitCode: Int32 {
        switch self {
        case .commandNotFound, .noSuchFile, .notExecutable(_, .system(.noSuchFile)): return 127
        case .notExecutable: return 126
        case .cannotPrepare, .tooLongWithAddedVariables: return 125
        }
    }

    /// The message, with any byte of a name or path that was not UTF-8 shown as U+FFFD
    /// (`SystemString`).
    public var description: String { SystemString.displayed(text) }

    private var text: String {
        switch self {
        case let .commandNotFound(name, searchPath):
            return "\(name): command not found in PATH (\(searchPath))"
        case let .noSuchFile(path):
            return "\(path): No such file or directory"
        case let .notExecutable(path, reason):
            return "\(path): cannot execute: \(reason)"
        case let .cannotPrepare(what, reason):
            return "cannot create \(what) for the command: \(reason)"
        case let .tooLongWithAddedVariables(path, _, _, _, true):
            return "\(path): cannot execute: Argument list too long with the variables agentops-run adds "
                + "(one of them is over the \(ExecSpace.longestString) bytes an exec takes for one; "
                + "it would fit without them)"
        case let .tooLongWithAddedVariables(path, added, total, limit, false):
            return "\(path): cannot execute: Argument list too long with the \(added) bytes of variables agentops-run adds "
                + "(\(total) bytes, over the \(limit) an exec takes under this ulimit -s; it would fit without them)"
        }
    }
}

extension LaunchError {
    /// Why a file could not be executed: the `errno` of the call that refused it when
    /// there was one, so that callers tell cases apart by the number (a busy exec helper
    /// is `ETXTBSY`), not by the C library's text of it; else a text of our own.
    ///
    /// Shown as that text either way, so the message a user reads does not depend on
    /// which one it is.
    public enum Refusal: Equatable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// A system call's error: an exec, `access`, `stat`.
        case system(SystemError)
        /// A refusal no call reported as an error (a directory found by `stat`, a
        /// Foundation error without an `errno`).
        case text(String)

        public init(stringLiteral text: String) { self = .text(text) }

        public var description: String {
            switch self {
            case let .system(error): return error.description
            case let .text(text): return text
            }
        }
    }
}
