import Foundation

/// Reports the child's exit the moment it happens.
///
/// Foundation only learns of the exit when its internal socket reaches EOF, and that
/// socket leaks into grandchildren: `sh -c 'sleep 30 &'` would delay its
/// `terminationHandler` by 30 s. `waitid(…, WNOWAIT)` on a dedicated thread sees the
/// exit at once and leaves the zombie for Foundation to reap (reaping it ourselves
/// would make Foundation report a bogus status). If Foundation reaped first
/// (`ECHILD`), its own status is used.
///
/// `@unchecked Sendable`: `Process` is not `Sendable`; the watcher only reads its pid
/// and, after the semaphore (or once `isRunning` is false, which Foundation clears
/// after setting the status), its final status.
public final class ExitWatcher: @unchecked Sendable {
    private let process: Process
    private let foundationExit: DispatchSemaphore

    /// Watches `process`; `foundationExit` must be signalled by its termination handler.
    public init(process: Process, foundationExit: DispatchSemaphore) {
        self.process = process
        self.foundationExit = foundationExit
    }

    /// Starts watching; `onExit` is called once, on the watcher's thread, and
    /// `onStop` each time the child is stopped (Ctrl-Z, SIGTTIN, SIGSTOP), also on that
    /// thread, which waits for `onStop` to return before watching again.
    ///
    /// - Returns: false when no thread could be had (`ulimit -u`): the caller then
    ///   calls `look` now and then instead.
    public func start(onStop: @escaping @Sendable (Int32) -> Void,
                      onExit: @escaping @Sendable (ChildExit) -> Void) -> Bool {
        let pid = process.processIdentifier
        return PlainThread.start(name: "agentops-run exit watcher") { [self] in onExit(wait(pid: pid, onStop: onStop)) }
    }

    /// What the watcher's thread would have seen by now, for a run that could not start
    /// it: the same look at the child, without waiting. A stop is followed here, on the
    /// caller's thread (`onStop`, which returns once the child runs again).
    ///
    /// - Returns: how the child ended, once it has; nil while it runs.
    public func look(onStop: (Int32) -> Void) -> ChildExit? {
        let pid = process.processIdentifier
        switch ChildWait.now(pid) {
        case .running: return nil
        case let .changed(change): return Self.follow(change, of: pid, onStop: onStop)
        case .reaped: return foundationHasExit(waiting: 0) ? Self.exit(of: process) : nil
        }
    }

    /// Whether Foundation has the exit status, waiting up to `seconds` for it: `isRunning`
    /// turned false, or its termination handler signalled `foundationExit`.
    ///
    /// Foundation's process thread sits in a blocking `waitpid` from the command's exec
    /// on, so it often reaps the command before the watcher looks. It sets the status,
    /// clears `isRunning`, then starts a new thread for the termination handler: on a
    /// busy machine that thread first ran 13 ms later in a scheduler trace (issue 18),
    /// and without threads (`ulimit -u`) it never runs. So `isRunning` is read first.
    private func foundationHasExit(waiting seconds: Double) -> Bool {
        if !process.isRunning { return true }
        if foundationExit.wait(timeout: .now() + seconds) == .success {
            foundationExit.signal()
            return true
        }
        return !process.isRunning
    }

    private func wait(pid: Int32, onStop: (Int32) -> Void) -> ChildExit {
        // Looks without reaping (`ChildWait`); nil: Foundation reaped it first.
        while let change = ChildWait.next(pid) {
            if let exit = Self.follow(change, of: pid, onStop: onStop) { return exit }
        }
        // Reaped: Foundation is between its `waitpid` and clearing `isRunning`, a few
        // microseconds unless its thread is preempted; looked at every millisecond.
        while !foundationHasExit(waiting: 0.001) {}
        return Self.exit(of: process)
    }

    /// The exit `change` reports; nil for a stop, after `onStop`.
    private static func follow(_ change: ChildWait.Change, of pid: Int32, onStop: (Int32) -> Void) -> ChildExit? {
        switch change {
        case let .exited(status): return .exited(status)
        case let .killed(signal, coreDumped): return .signaled(signal, coreDumped: coreDumped)
        case let .stopped(signal):
            // Consume the stop report, or the next look would see it again.
            ChildWait.consumeStop(of: pid)
            onStop(signal)
            return nil
        }
    }

    /// How Foundation says `process` ended, once it has.
    private static func exit(of process: Process) -> ChildExit {
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus)
        case .uncaughtSignal: return .signaled(process.terminationStatus, coreDumped: false)
        @unknown default: return .exited(process.terminationStatus)
        }
    }
}
