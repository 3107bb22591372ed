/// Where `agentops show` writes: a pager on a terminal (`$PAGER`, else `less -FRX`),
/// or standard output itself. Output is buffered and written in large pieces, so a
/// long session reaches the pager as fast as it can be read.
public final class Pager {
    /// The default pager: quit at once when everything fits on one screen (`-F`), pass
    /// colour escapes (`-R`), and leave the text on the screen afterwards (`-X`).
    public static let defaultCommand = "less -FRX"

    private var fd: Int32
    private var pid: Int32?
    private var buffer: [UInt8] = []
    /// What went to the pager, while it is under `replayLimit`: shown on standard output
    /// instead when the pager turns out not to run. Nil once it grew past the limit.
    private var replay: [UInt8]? = []
    /// How much output is kept to show without a pager that could not be run.
    static let replayLimit = 4 << 20
    /// How the pager ended, once it was reaped before `finish`.
    private var reaped: ShellSpawn.Ended?
    /// The status of a pager that could not be run, once output went to standard output
    /// instead.
    private var fellBack: Int32?
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

    /// Writes what is queued; a reader that went away marks the output closed, unless
    /// it was a pager that could not be run: then what it was given and what follows go
    /// to standard output.
    public func flush() {
        guard !closed, !buffer.isEmpty else { return }
        if pid != nil, replay != nil {
            if replay!.count + buffer.count <= Self.replayLimit { replay! += buffer } else { replay = nil }
        }
        if Descriptors.writeAll(buffer, to: fd) < buffer.count, !fallBack() { closed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    /// How the paging went (`finish`).
    public enum Outcome: Equatable {
        /// Through the pager, or on standard output with none.
        case shown
        /// The pager could not be run (`sh` said 126 or 127): everything was shown on
        /// standard output instead.
        case shownWithout(status: Int32)
        /// The pager failed (exited with `status`, not 0), or could not be run and there
        /// was too much to show again: nothing or part may have been shown.
        case failed(status: Int32)
        /// A signal killed the pager (`kill -9`, the OOM killer): nothing or part may have
        /// been shown. It passed for a pager that quit, exit 0 (second hostile pass,
        /// round 12).
        case killed(signal: Int32)
    }

    /// The signals that end a pager as a quit, not a failure: the user's keys (a pager
    /// that does not ignore them) and its own reader going away.
    static let quitSignals = [SignalNumber.interrupt, SignalNumber.quit, SignalNumber.pipe]

    /// Flushes, closes the pipe and waits for the pager to quit.
    ///
    /// A `PAGER` that could not be run or that failed showed nothing, and `show` said
    /// nothing and exited 0 (hostile pass, round 12): as git does, a pager that cannot be
    /// run is done without, and one that fails is an error.
    public func finish() -> Outcome {
        flush()
        if let fellBack { return .shownWithout(status: fellBack) }
        guard let pid else { return .shown }
        Descriptors.close(fd)
        let ended = reaped ?? ShellSpawn.waitForExit(pid)
        self.pid = nil
        switch ended {
        case .exited(0), .unknown:
            return .shown
        case let .exited(status) where status == 126 || status == 127:
            guard let replay else { return .failed(status: status) }
            Descriptors.writeAll(replay, to: 1)
            return .shownWithout(status: status)
        case let .exited(status) where Self.quitSignals.contains(status - 128):
            // The same, one shell level down (a wrapper script whose pager died so: 130).
            return .shown
        case let .exited(status):
            return .failed(status: status)
        case let .signalled(signal) where Self.quitSignals.contains(signal):
            // Quit by the user's keys (a pager that does not ignore them), or by its own
            // reader going away: a quit, not a failure.
            return .shown
        case let .signalled(signal):
            return .killed(signal: signal)
        }
    }

    /// After a write to the pager failed: when the pager has ended as one that could not
    /// be run, what it was given is written to standard output, and so is the rest.
    /// False when it is a pager that quit (or there is too much to write again).
    private func fallBack() -> Bool {
        guard let pid else { return false }
        // Its end of the pipe is closed: it is ending, or ended.
        let ended = ShellSpawn.waitForExit(pid)
        reaped = ended
        guard case let .exited(status) = ended, status == 126 || status == 127, let replay else { return false }
        Descriptors.close(fd)
        self.pid = nil
        fd = 1
        fellBack = status
        return Descriptors.writeAll(replay, to: 1) == replay.count
    }
}
