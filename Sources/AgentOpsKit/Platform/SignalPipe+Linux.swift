import Glibc

/// `nonisolated(unsafe)`: set once before any handler is installed, then only read by
/// the handler (a C handler cannot reach anything isolated or locked).
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1
/// The dispositions our handlers replaced, restored when agentops-run faults itself.
/// A plain buffer: the handler must not touch Swift arrays or sets (not async-signal-safe).
/// `nonisolated(unsafe)`: filled while installing, before the signal can arrive.
nonisolated(unsafe) private let previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

/// The handler only writes the signal number to a pipe: the one async-signal-safe
/// way to hand a signal to a normal thread. `SA_SIGINFO` tells who sent it: a fault
/// the kernel raised in agentops-run (si_code > 0), or an `abort()` of its own, gets
/// the previous disposition back and happens again, so it crashes as it would have;
/// agentops-run's own SIGPIPE and SIGXFSZ are dropped (the write fails instead).
private let signalPipeHandler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?)
    -> Void = { signal, info, _ in
    let savedErrno = errno
    defer { errno = savedErrno }
    let code = info?.pointee.si_code ?? 0
    let fromSelf = code <= 0 && info?.pointee._sifields._kill.si_pid == getpid()
    let isFault = signal == SIGILL || signal == SIGTRAP || signal == SIGABRT || signal == SIGBUS
        || signal == SIGFPE || signal == SIGSEGV
    if isFault, code > 0 || fromSelf {
        sigaction(signal, previousActions + Int(signal), nil)
        // A fault re-executes the instruction on return; a raised one is raised again.
        if code <= 0 { raise(signal) }
        return
    }
    if signal == SIGPIPE || signal == SIGXFSZ, fromSelf { return }
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteFD, &byte, 1)
}

/// Signals turned into bytes on a pipe (the self-pipe trick), so a normal thread can
/// act on them: `SignalRelay` decides which signals and what to do with each.
public enum SignalPipe {
    /// Makes the pipe the handler writes to; only one may exist in a process.
    ///
    /// - Returns: the end to read signal numbers from (-1 when the process is out of
    ///   descriptors: no signal is then relayed).
    public static func open() -> Int32 {
        // The handler must never block: a full pipe drops a repeat of a signal that
        // is already queued, as the kernel itself does for standard signals.
        let pair = PipePair.make(nonBlockingWrite: true)
        signalPipeWriteFD = pair?.write ?? -1
        return pair?.read ?? -1
    }

    /// Catches `signal` with the pipe's handler (`SA_RESTART`, so other threads'
    /// system calls are not interrupted by it), keeping the disposition it replaces.
    public static func install(for signal: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = signalPipeHandler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART | SA_SIGINFO
        sigaction(signal, &action, previousActions + Int(signal))
    }

    /// The next signal from the pipe's read end `fd`, blocking; nil once it is closed.
    /// The signals waiting in the pipe's read end `fd` now, without blocking.
    public static func pending(in fd: Int32) -> [Int32] {
        guard let count = Descriptors.bytesAvailable(fd), count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { Descriptors.read(fd, into: $0) }
        return n > 0 ? bytes[..<n].map { Int32($0) } : []
    }

    public static func next(from fd: Int32) -> Int32? {
        var byte: UInt8 = 0
        let n = withUnsafeMutableBytes(of: &byte) { Descriptors.read(fd, into: $0) }
        return n == 1 ? Int32(byte) : nil
    }
}
