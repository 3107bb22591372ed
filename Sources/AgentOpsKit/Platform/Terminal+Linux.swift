import Glibc

/// Pseudo-terminals, terminal modes and window sizes on Linux.
enum TerminalPlatform {
    /// A new pseudo-terminal pair, both ends close-on-exec; nil with `errno` set.
    ///
    /// Close-on-exec at once: the brief window before `fcntl` does not leak, since
    /// Foundation's spawn closes stray descriptors and the exec helper marks the rest.
    static func openPair() -> (master: Int32, slave: Int32)? {
        var master: Int32 = -1
        var slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { return nil }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        return (master, slave)
    }

    /// Whether descriptors 0, 1 and 2 are all the same terminal device.
    static func standardDescriptorsShareOneTerminal() -> Bool {
        var devices: Set<UInt64> = []
        for fd in Int32(0)...2 {
            var info = stat()
            guard isatty(fd) == 1, fstat(fd, &info) == 0 else { return false }
            devices.insert(UInt64(info.st_rdev))
        }
        return devices.count == 1
    }

    /// The modes of the terminal on `fd`; nil when it is not a terminal.
    static func modes(of fd: Int32) -> termios? {
        var attributes = termios()
        return tcgetattr(fd, &attributes) == 0 ? attributes : nil
    }

    /// Sets `modes` on `fd` once pending output is written (`TCSADRAIN`, so nothing the
    /// command wrote is reinterpreted). SIGTTOU is blocked for the call: from the
    /// background (after `bg`) the kernel then lets it proceed instead of stopping us.
    static func setModes(_ modes: termios, on fd: Int32) {
        var modes = modes
        withSignalBlocked(SIGTTOU) { _ = Descriptors.retryingEINTR { tcsetattr(fd, TCSADRAIN, &modes) } }
    }

    /// Takes out what was typed ahead at the terminal on `fd` while it was in `modes`,
    /// before a switch to raw mode, as the keys that were pressed: each complete line as
    /// it is, and each end of input (the end-of-file key at the start of a line) as that
    /// key. Left in the terminal, the switch would turn an end of input into a NUL byte
    /// (Linux keeps it as one in the line buffer). Empty when `modes` is not canonical,
    /// nothing complete is waiting, or the terminal hung up; never blocks.
    static func takeTypedAhead(from fd: Int32, modes: termios) -> [UInt8] {
        guard modes.c_lflag & tcflag_t(ICANON) != 0 else { return [] }
        let endOfFile = withUnsafeBytes(of: modes.c_cc) { $0[Int(VEOF)] }
        var taken: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Bounded: a terminal that keeps answering is not drained for ever.
        for _ in 0..<64 {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 0) == 1, entry.revents & Int16(POLLHUP | POLLERR | POLLNVAL) == 0 else { break }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                taken += buffer[0..<count]
            } else if count == 0 {
                taken.append(endOfFile)
            } else {
                break
            }
        }
        return taken
    }

    /// `modes` made raw: no echo, no line editing, no signals from keys, no output
    /// processing; every byte passes as it is (`cfmakeraw`, as script(1) does).
    static func raw(_ modes: termios) -> termios {
        var raw = modes
        cfmakeraw(&raw)
        return raw
    }

    /// Makes the terminal on `fd` raw (for a pseudo-terminal used only to capture a
    /// stream: no `\n` → `\r\n`, agentops-run's own terminal translates on the way out).
    static func makeRaw(_ fd: Int32) {
        guard let modes = modes(of: fd) else { return }
        var raw = raw(modes)
        tcsetattr(fd, TCSANOW, &raw)
    }

    /// Runs `body` with `signal` blocked on this thread.
    static func withSignalBlocked(_ signal: Int32, _ body: () -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        var old = sigset_t()
        pthread_sigmask(SIG_BLOCK, &set, &old)
        body()
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }
}

/// A terminal's window size.
public struct WindowSize: Sendable, Equatable {
    /// Rows and columns (and pixels, passed on as they are).
    public var rows, columns, xPixels, yPixels: UInt16

    /// The size of the terminal on `fd`; nil when it is not a terminal.
    public static func of(_ fd: Int32) -> WindowSize? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 else { return nil }
        return WindowSize(rows: size.ws_row, columns: size.ws_col, xPixels: size.ws_xpixel, yPixels: size.ws_ypixel)
    }

    /// Sets this size on the terminal `fd`. On the master of a command's controlling
    /// terminal the kernel then sends SIGWINCH to its foreground group, once.
    public func apply(to fd: Int32) {
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: xPixels, ws_ypixel: yPixels)
        _ = ioctl(fd, UInt(TIOCSWINSZ), &size)
    }
}

extension TerminalPlatform {
    /// Sets `modes` on `fd` at once (`TCSANOW`): for a new pseudo-terminal nobody uses yet.
    static func setModesNow(_ modes: termios, on fd: Int32) {
        var modes = modes
        tcsetattr(fd, TCSANOW, &modes)
    }
}
