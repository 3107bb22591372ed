import Glibc

/// A failed system call's `errno`, kept as the number so callers can tell cases apart
/// and shown as the C library's text (`No such file or directory`).
///
/// Captured right after the failing call: anything in between (even a `close`) may
/// overwrite `errno`.
public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The `errno` value.
    public let code: Int32

    /// The error of the call that just failed (the current `errno`), or `code`.
    public init(code: Int32 = errno) { self.code = code }

    /// The calling thread's last error (`errno`), read here: for callers in other
    /// modules, where the default argument above would read `errno` in their own code.
    public static var last: SystemError { SystemError(code: errno) }

    /// The C library's text for `code` (`strerror`).
    public var description: String { errnoText(code) }

    /// `ETXTBSY`: an exec of a file that is open for writing, as while it is being
    /// replaced (copied over in place by an installer or a build).
    public static let textFileBusy = SystemError(code: ETXTBSY)
    /// `ENOENT`: from an exec of a file that exists, its interpreter is missing.
    public static let noSuchFile = SystemError(code: ENOENT)
    /// The arguments and environment are more than an exec takes (`E2BIG`).
    public static let argumentListTooLong = SystemError(code: E2BIG)
    /// No process or thread to be had now (`ulimit -u`), and out of memory.
    public static let tryAgain = SystemError(code: EAGAIN)
    public static let outOfMemory = SystemError(code: ENOMEM)
}
