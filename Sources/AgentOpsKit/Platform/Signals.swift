import Glibc

/// The plain signal calls: sending one and ignoring some. Catching and forwarding
/// signals is the supervisor's (`SignalRelay`); which ones it forwards is `SignalTable`.
public enum Signals {
    /// Sends `signal` to the process `pid` (a negative `pid`: to that process group).
    ///
    /// - Returns: false when it could not be sent (the process is gone, or not ours).
    @discardableResult
    public static func send(_ signal: Int32, to pid: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// Ignores each of `signals` in this process from now on (`SIG_IGN`, which the
    /// processes it starts inherit across `exec`).
    public static func ignore(_ signals: [Int32]) {
        for each in signals { _ = signal(each, SIG_IGN) }
    }

    /// Puts `signal` back to its default action in this process.
    public static func setDefault(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_DFL)
    }
}

/// The signal numbers the code names outside this folder, by what they mean: files
/// that do not import the C library (most of them) cannot see `SIGPIPE` and the rest.
public enum SignalNumber {
    /// The terminal hung up (`SIGHUP`).
    public static let hangup = SIGHUP
    /// Ctrl-C (`SIGINT`).
    public static let interrupt = SIGINT
    /// Ctrl-\ (`SIGQUIT`).
    public static let quit = SIGQUIT
    /// A write to a pipe nobody reads (`SIGPIPE`).
    public static let pipe = SIGPIPE
    /// The polite request to end (`SIGTERM`).
    public static let terminate = SIGTERM
    /// A child stopped, continued or ended (`SIGCHLD`).
    public static let childStatus = SIGCHLD
    /// The one that cannot be caught (`SIGKILL`).
    public static let kill = SIGKILL
}
