import Glibc

extension Files {
    /// The status of `path`, following symbolic links, or why it cannot be read.
    public static func statusOrError(_ path: String) -> Result<FileStatus, SystemError> {
        var info = stat()
        return SystemString.withCString(path) { stat($0, &info) } == 0 ? .success(FileStatus(info)) : .failure(SystemError())
    }

    /// Whether this process may execute `path` (`access(X_OK)`, with the real ids).
    ///
    /// - Throws: why not.
    public static func checkExecutable(_ path: String) throws(SystemError) {
        guard SystemString.withCString(path, { access($0, X_OK) }) == 0 else { throw SystemError() }
    }

    /// Whether this process may execute `path`.
    public static func isExecutable(_ path: String) -> Bool { SystemString.withCString(path) { access($0, X_OK) } == 0 }
}
