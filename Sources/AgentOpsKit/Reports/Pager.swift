import Glibc

/// Where `agentops show` writes: a pager on a terminal (`$PAGER`, else `less -FRX`),
/// or standard output itself. Output is buffered and written in large pieces, so a
/// long session reaches the pager as fast as it can be read.
public final class Pager {
    /// The default pager: quit at once when everything fits on one screen (`-F`), pass
    /// colour escapes (`-R`), and leave the text on the screen afterwards (`-X`).
    public static let defaultCommand = "less -FRX"

    private let fd: Int32
    private let pid: pid_t?
    private var buffer: [UInt8] = []
    /// The first screen (about 4 KiB of lines) goes out at once; after it, large
    /// writes are cheaper.
    private var threshold = 4 << 10
    /// Whether the reader went away (the pager quit): nothing more needs writing.
    public private(set) var closed = false

    /// Output that goes straight to standard output.
    public init() {
        fd = 1
        pid = nil
    }

    private init(fd: Int32, pid: pid_t) {
        self.fd = fd
        self.pid = pid
    }

    /// The pager command for `environment`: nil when paging is off (`PAGER` set but
    /// empty, or `cat`).
    public static func command(environment: [String: String]) -> String? {
        guard let pager = environment["PAGER"] else { return defaultCommand }
        let trimmed = pager.trimmingSpaces()
        return trimmed.isEmpty || trimmed == "cat" ? nil : trimmed
    }

    /// Starts `command` through `/bin/sh -c` reading from a pipe, its output on this
    /// process's stdout.
    ///
    /// - Returns: nil when it cannot be started (the caller writes to stdout instead).
    public static func start(_ command: String, environment: [String: String]) -> Pager? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        // The write end stays here: a pager that inherited it would never see EOF.
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        var env = environment
        // As git does: `PAGER=less` also quits on one screen and keeps colour.
        if env["LESS"] == nil { env["LESS"] = "FRX" }
        let words: [String] = ["/bin/sh", "-c", command]
        let argv = words.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        close(fds[0])
        guard spawned == 0 else {
            close(fds[1])
            return nil
        }
        // The pager owns the terminal's keys now: Ctrl-C is for it (less ignores it
        // while paging), and the writer must outlive a quit to reap it. A quit pager
        // closes the pipe, which shows as EPIPE here rather than a fatal SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        return Pager(fd: fds[1], pid: pid)
    }

    /// Queues `text` and a newline.
    public func line(_ text: String) {
        guard !closed else { return }
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= threshold {
            flush()
            threshold = 64 << 10
        }
    }

    /// Writes what is queued; a reader that went away marks the output closed.
    public func flush() {
        guard !closed, !buffer.isEmpty else { return }
        if Descriptors.writeAll(buffer, to: fd) < buffer.count { closed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes the pipe and waits for the pager to quit.
    public func finish() {
        flush()
        guard let pid else { return }
        close(fd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}
