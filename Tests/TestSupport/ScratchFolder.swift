import Foundation
import Glibc

/// Temporary folders for tests, all made under one folder per test process that is
/// removed when the process exits.
///
/// Each test used to `mkdtemp` its own folder straight in `/tmp` and leave it there, so
/// a machine that ran the suite often held tens of thousands of them. Now the first
/// folder a test asks for makes the process's own parent, `agentops-run-tests.PID.XXXXXX`
/// in `$TMPDIR` (default `/tmp`), named so that whoever finds one knows what made it and
/// which process; an `atexit` handler removes it whole, so a run that passes or fails
/// leaves the temporary folder as it found it. A process that never gets to exit
/// (a crash, SIGKILL, Ctrl-C) cannot clean up after itself: the next test process
/// removes such parents whose process is gone.
///
/// Tests that take one folder and are done with it may still remove it themselves
/// (`FileTree.remove`); everything else goes at exit.
public enum ScratchFolder {
    /// The beginning of every parent's name.
    public static let prefix = "agentops-run-tests."

    /// The temporary folder parents are made in: `$TMPDIR`, or `/tmp`.
    public static let temporary: String = {
        let value = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        let trimmed = value.hasSuffix("/") && value.count > 1 ? String(value.dropLast()) : value
        return trimmed.hasPrefix("/") ? trimmed : "/tmp"
    }()

    /// This process's parent folder, made on first use (with its removal at exit).
    ///
    /// Searchable by everyone (0711) though not listable: a test runs commands as
    /// `nobody` from a folder of its own (`ThreadLimitTests`), as it did when its folders
    /// were straight in `/tmp`; each folder under it is still made 0700 by `mkdtemp`.
    public static let root: String = {
        sweepAbandoned()
        let folder = makeTemporary(temporary + "/" + prefix + "\(getpid()).")
        chmod(folder, 0o711)
        owner = getpid()
        atexit { ScratchFolder.removeAtExit() }
        return folder
    }()

    /// The process that made `root`: a child forked from it must not remove it.
    nonisolated(unsafe) private static var owner: pid_t = 0

    /// A new empty folder under `root`, named `NAME-XXXXXX`.
    ///
    /// - Parameter name: says which tests made it (`agentops-test`, `otlp-mapping`).
    /// - Returns: its absolute path.
    public static func make(_ name: String) -> String {
        makeTemporary(root + "/" + name + "-")
    }

    /// `mkdtemp` of `start` followed by six random characters; a test cannot go on
    /// without its folder, so a failure stops the process with the reason.
    private static func makeTemporary(_ start: String) -> String {
        var template = Array((start + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            mkdtemp(buffer.baseAddress!).map { String(cString: $0) }
        }
        guard let made else { fatalError("cannot make a temporary folder \(start)XXXXXX: \(errnoText())") }
        return made
    }

    private static func removeAtExit() {
        guard getpid() == owner else { return }
        FileTree.remove(root)
    }

    /// Removes the parents of test processes that are gone (they crashed or were
    /// killed), so that their folders do not pile up either. Only the caller's own
    /// folders, and only when no process has that id any more: a run still going in
    /// another worktree keeps its folder.
    static func sweepAbandoned() {
        guard let folder = opendir(temporary) else { return }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = String(decoding: FileTree.name(of: entry), as: UTF8.self)
            if name.hasPrefix(prefix) { names.append(name) }
        }
        closedir(folder)
        for name in names {
            let fields = name.dropFirst(prefix.count).split(separator: ".")
            guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0, pid != getpid() else { continue }
            guard kill(pid, 0) == -1, errno == ESRCH else { continue }
            var status = stat()
            let path = temporary + "/" + name
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid() else {
                continue
            }
            FileTree.remove(path)
        }
    }
}

/// The C library's text for the current `errno`.
private func errnoText() -> String { String(cString: strerror(errno)) }
