import Foundation
import Synchronization

/// Work begun now on a thread of its own and waited for only where its effect is needed.
///
/// The session's start (the host environment read from /proc, then the start record)
/// must be in the log before the command starts, but nothing else waits for it: run
/// beside option handling, the listener's set-up and Foundation's spawn of the exec
/// helper, it costs the launch nothing on a machine with a second core (issue 18).
///
/// Whoever comes first does the work: the thread, or the caller of `wait()` when the
/// thread has not begun by then. On a busy machine a new thread can first run
/// milliseconds after it was made (13 ms in a scheduler trace, issue 18); waiting for it
/// would put that on the launch path, where doing the work here costs only the work.
final class EarlyWork: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let claimed = Atomic(false)
    private let work: @Sendable () -> Void

    init(name: String, _ work: @escaping @Sendable () -> Void) {
        self.work = work
        // No thread to be had (`ulimit -u`): done by the first `wait()`.
        _ = PlainThread.start(name: name) { [self] in runIfUnclaimed() }
    }

    /// Returns once the work is done, doing it here if its thread has not begun it; at
    /// once after the first time.
    func wait() {
        runIfUnclaimed()
        done.wait()
        done.signal()
    }

    /// Does the work unless the other side has taken it.
    private func runIfUnclaimed() {
        guard claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        work()
        done.signal()
    }
}
