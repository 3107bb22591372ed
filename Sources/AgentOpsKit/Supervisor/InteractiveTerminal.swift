import Foundation

/// The command's own pseudo-terminal when agentops-run runs at a terminal, as
/// script(1) and tmux do it.
///
/// The command gets one pseudo-terminal as its controlling terminal and as stdin,
/// stdout and stderr (the exec helper makes it a session leader and calls
/// `TIOCSCTTY`). So everything that talks to "the terminal" reaches one that someone
/// feeds: `/dev/tty`, the terminal named by stderr (`less` reads keys there), curses.
/// agentops-run puts the real terminal in raw mode and relays keys in and output out:
/// Ctrl-C, Ctrl-\ and Ctrl-Z are bytes that the pseudo-terminal's own line discipline
/// turns into signals for the command's foreground group, once, or passes on as
/// input to a command that turned signals off. The command's output is a single
/// stream, in exactly its order; stderr cannot be told apart from stdout in it.
///
/// The real terminal's modes are restored on every way out: the end of the run, a
/// stop (Ctrl-Z), and before agentops-run prints anything of its own.
///
/// `@unchecked Sendable`: the mutable mode state is guarded by `lock`; the descriptors
/// and the saved modes are immutable.
final class InteractiveTerminal: @unchecked Sendable {
    /// The end agentops-run reads output from and writes keys to.
    let master: Int32
    /// The command's end; closed by agentops-run once the command runs.
    let slave: Int32
    private let real: Int32 = 0
    private let original: termios
    private let lock = NSLock()
    private var isRaw = false
    private let wake = WakePipe()

    /// Whether the run is interactive: stdin, stdout and stderr one terminal, and
    /// agentops-run its foreground job (a background job must not take the keys).
    static func applies(to mode: TerminalMode) -> Bool {
        mode.allowsInteractive && TerminalPlatform.standardDescriptorsShareOneTerminal() && ForegroundGroup.isOwn(0)
    }

    /// A pseudo-terminal with the real terminal's modes and size, so the command
    /// starts with the same echo, line editing, keys and dimensions.
    init() throws(LaunchError) {
        guard let modes = TerminalPlatform.modes(of: 0) else {
            throw .cannotPrepare(what: "a pseudo-terminal", reason: "standard input is not a terminal")
        }
        guard let (master, slave) = TerminalPlatform.openPair() else {
            throw .cannotPrepare(what: "a pseudo-terminal", reason: errnoText())
        }
        original = modes
        self.master = master
        self.slave = slave
        TerminalPlatform.setModesNow(modes, on: slave)
        WindowSize.of(0)?.apply(to: master)
    }

    /// Puts the real terminal in raw mode (while agentops-run is in its foreground).
    func enterRawMode() {
        lock.lock()
        defer { lock.unlock() }
        guard !isRaw, ForegroundGroup.isOwn(real) else { return }
        // Keys typed before raw mode reach the command as typed: a Ctrl-D at the start
        // of a line would otherwise become a NUL byte (script(1) with its stdin at end
        // of file types one at once, and the command never saw the end of its input).
        let typed = TerminalPlatform.takeTypedAhead(from: real, modes: original)
        if !typed.isEmpty { _ = Descriptors.writeAll(typed, to: master) }
        TerminalPlatform.setModes(TerminalPlatform.raw(original), on: real)
        isRaw = true
    }

    /// Gives the real terminal back the modes it had when agentops-run started.
    func restore() {
        lock.lock()
        defer { lock.unlock() }
        guard isRaw else { return }
        TerminalPlatform.setModes(original, on: real)
        isRaw = false
    }

    /// Starts relaying keys typed at the real terminal to the command, on a thread of
    /// its own that writes through its own copy of the master (the output pump closes
    /// the original when the command's output ends).
    func startRelayingInput() {
        let input = Descriptors.duplicate(master)
        let wakeFD = wake.readFD
        let real = self.real
        let relaying = PlainThread.start(name: "agentops-run keys") {
            defer { Descriptors.close(input) }
            var ready = PollSet([real, wakeFD])
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                var waited = ready.wait(milliseconds: -1)
                while waited == .interrupted { waited = ready.wait(milliseconds: -1) }
                guard waited == .ready, !ready.isReady(1) else { return }
                let n = Descriptors.read(real, into: buffer)
                // 0 or an error: the terminal hung up; EIO also after `bg` with SIGTTIN
                // ignored. Either way no more keys will come.
                if n <= 0 { return }
                if Descriptors.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), to: input) < n { return }
            }
        }
        // No thread to relay keys with (`ulimit -u`): the command gets no input, and the
        // real terminal is back in its own mode, so Ctrl-C and Ctrl-Z signal
        // agentops-run (which forwards them) instead of being bytes nobody reads.
        if !relaying {
            Descriptors.close(input)
            restore()
        }
    }

    /// Stops relaying keys.
    func stopRelayingInput() {
        wake.signal()
    }
}
