/// Finds the executable for a command the way a POSIX shell does, because Foundation
/// `Process` does no PATH search (a bare name would run `./name` or fail).
public enum CommandResolver {
    /// The search path used when the environment has no `PATH`.
    public static let defaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The path to execute for `command`.
    ///
    /// A name containing `/` is used as given (relative to the working directory);
    /// otherwise each `PATH` entry is tried in order, an empty entry meaning the
    /// working directory. The first regular executable file wins; if only
    /// non-executable files match, the result is "not executable" (126), as in bash.
    ///
    /// - Parameters:
    ///   - command: the command name or path.
    ///   - searchPath: the child's `PATH`, nil when unset.
    /// - Throws: `LaunchError` with exit status 127 or 126.
    public static func resolve(_ command: String, searchPath: String?) throws(LaunchError) -> String {
        if command.contains("/") {
            try checkExecutable(command)
            return command
        }
        let path = searchPath ?? defaultSearchPath
        var firstNonExecutable: String?
        if !command.isEmpty {
            for entry in path.split(separator: ":", omittingEmptySubsequences: false) {
                let folder = entry.isEmpty ? "." : String(entry)
                let candidate = folder.hasSuffix("/") ? folder + command : folder + "/" + command
                guard Files.status(candidate)?.kind == .regular else { continue }
                if Files.isExecutable(candidate) { return candidate }
                if firstNonExecutable == nil { firstNonExecutable = candidate }
            }
        }
        if let firstNonExecutable { throw .notExecutable(path: firstNonExecutable, reason: "Permission denied") }
        throw .commandNotFound(name: command, searchPath: path)
    }

    private static func checkExecutable(_ path: String) throws(LaunchError) {
        let status: FileStatus
        switch Files.statusOrError(path) {
        case let .success(found): status = found
        case let .failure(error):
            if error.isNoSuchFile { throw .noSuchFile(path: path) }
            throw .notExecutable(path: path, reason: .system(error))
        }
        if status.kind == .directory { throw .notExecutable(path: path, reason: "Is a directory") }
        do {
            try Files.checkExecutable(path)
        } catch {
            throw .notExecutable(path: path, reason: .system(error))
        }
    }
}
