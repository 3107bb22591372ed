import Glibc

/// Where one of the command's output streams goes: a pipe, or a pseudo-terminal when
/// the command should see a terminal (colours, `isatty`, `tput cols`) while every byte
/// is still captured.
public struct OutputChannel: Sendable {
    /// The end agentops-run reads.
    public let parentFD: Int32
    /// The end given to the command as its stdout or stderr; the parent closes its
    /// copy once the command runs.
    public let childFD: Int32
    /// Whether this is a pseudo-terminal.
    public let isTerminal: Bool

    /// A pipe with a 1 MiB buffer: with the default 64 KiB a child writing large blocks
    /// stalls on every write (measured 3.5× slower for `dd bs=1M`).
    public static func pipe() throws(LaunchError) -> OutputChannel {
        guard let pair = PipePair.make() else {
            throw .cannotPrepare(what: "a pipe", reason: errnoText())
        }
        _ = fcntl(pair.read, fcntlSetPipeSize, Int32(1 << 20))
        return OutputChannel(parentFD: pair.read, childFD: pair.write, isTerminal: false)
    }

    /// A pseudo-terminal in raw mode, so the bytes the command writes arrive unchanged
    /// (no `\n` → `\r\n`: agentops-run's own terminal does its usual translation when
    /// they pass through), sized like `sizeSource`.
    public static func terminal(sizedLike sizeSource: Int32) throws(LaunchError) -> OutputChannel {
        var master: Int32 = -1
        var slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else {
            throw .cannotPrepare(what: "a pseudo-terminal", reason: errnoText())
        }
        // Same brief window as `PipePair`: Foundation's spawn closes stray descriptors.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        var attributes = termios()
        if tcgetattr(slave, &attributes) == 0 {
            cfmakeraw(&attributes)
            tcsetattr(slave, TCSANOW, &attributes)
        }
        let channel = OutputChannel(parentFD: master, childFD: slave, isTerminal: true)
        if let size = WindowSize.of(sizeSource) { size.apply(to: master) }
        return channel
    }

    /// `F_SETPIPE_SZ`, which Glibc's Swift overlay does not export.
    private static let fcntlSetPipeSize: Int32 = 1031
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

    /// Sets this size on the terminal `fd`.
    public func apply(to fd: Int32) {
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: xPixels, ws_ypixel: yPixels)
        _ = ioctl(fd, UInt(TIOCSWINSZ), &size)
    }
}

/// When the command's streams should be terminals.
public enum TerminalMode: String, Sendable, CaseIterable {
    /// A pseudo-terminal for each stream whose destination (agentops-run's own stdout
    /// or stderr) is a terminal; pipes otherwise, never a fake terminal.
    case auto
    /// Pseudo-terminals for both streams, even when agentops-run's are not terminals.
    case always
    /// Pipes always.
    case never

    /// Whether `stream` gets a pseudo-terminal.
    public func usesTerminal(for stream: OutputStream) -> Bool {
        switch self {
        case .auto: return isatty(stream.fileDescriptor) == 1
        case .always: return true
        case .never: return false
        }
    }
}
