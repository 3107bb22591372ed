import Glibc

/// An open session file that records are appended to.
///
/// Every append takes an exclusive `flock` and writes all its bytes with `O_APPEND`,
/// so several processes in one session (the owner, nested runs, `agentops event`)
/// each add whole lines and never interleave. The lock also keeps this process's own
/// threads (one per captured stream) from splitting each other's lines.
public final class SessionFile: @unchecked Sendable {
    /// Where the file is.
    public let path: String
    private let fd: Int32

    /// Opens (creating, owner-only) the file at `path` for appending.
    ///
    /// - Throws: `StoreError.cannotOpen`.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.cannotOpen(path: path, reason: errnoText()) }
    }

    deinit { close(fd) }

    /// Appends `records` as consecutive lines, atomically with respect to other writers.
    ///
    /// - Throws: `StoreError.cannotWrite`; nothing partial is left behind unless the
    ///   disk fills up mid-write (readers then skip the truncated line).
    public func append(_ records: [StoreRecord]) throws {
        var bytes: [UInt8] = []
        for record in records { record.writeLine(into: &bytes) }
        try appendRaw(bytes)
    }

    /// Appends one record.
    public func append(_ record: StoreRecord) throws { try append([record]) }

    private func appendRaw(_ bytes: [UInt8]) throws {
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.cannotWrite(path: path, reason: errnoText()) }
        }
        defer { flock(fd, LOCK_UN) }
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StoreError.cannotWrite(path: path, reason: errnoText())
                }
                written += n
            }
        }
    }
}
