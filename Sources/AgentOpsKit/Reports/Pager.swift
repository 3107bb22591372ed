/// Where `agentops show` writes: a pager on a terminal (`$PAGER`, else `less -FRX`),
/// or standard output itself. Output is buffered and written in large pieces, so a
/// long session reaches the pager as fast as it can be read.
public final class Pager {
    /// The default pager: quit at once when everything fits on one screen (`-F`), pass
    /// colour escapes (`-R`), and leave the text on the screen afterwards (`-X`).
    public static let defaultCommand = "less -FRX"

    private let fd: Int32
    private let pid: Int32?
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

    private init(fd: Int32, pid: Int32) {
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
        // Both ends close-on-exec: the write end stays here (a pager that inherited it
        // would never see EOF), and the read end reaches the pager only as its stdin.
        guard let pipe = PipePair.make() else { return nil }
        var env = environment
        // As git does: `PAGER=less` also quits on one screen and keeps colour.
        if env["LESS"] == nil { env["LESS"] = "FRX" }
        let spawned = ShellSpawn.start(command, environment: env, input: pipe.read)
        Descriptors.close(pipe.read)
        guard let pid = spawned else {
            Descriptors.close(pipe.write)
            return nil
        }
        // The pager owns the terminal's keys now: Ctrl-C is for it (less ignores it
        // while paging), and the writer must outlive a quit to reap it. A quit pager
        // closes the pipe, which shows as EPIPE here rather than a fatal SIGPIPE.
        Signals.ignore([SignalNumber.pipe, SignalNumber.interrupt, SignalNumber.quit])
        return Pager(fd: pipe.write, pid: pid)
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
        Descriptors.close(fd)
        ShellSpawn.waitForExit(pid)
    }
}
