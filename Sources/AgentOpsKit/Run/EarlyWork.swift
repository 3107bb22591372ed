import Foundation

/// Work begun now on a thread of its own and waited for only where its effect is needed.
///
/// The session's start (the host environment read from /proc, then the start record)
/// must be in the log before the command starts, but nothing else waits for it: run
/// beside option handling, the listener's set-up and Foundation's spawn of the exec
/// helper, it costs the launch nothing on a machine with a second core (issue 18).
final class EarlyWork: Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(name: String, _ work: @escaping @Sendable () -> Void) {
        let done = done
        let job: @Sendable () -> Void = {
            work()
            done.signal()
        }
        // No thread to be had (`ulimit -u`): done here and now, only slower.
        if !PlainThread.start(name: name, job) { job() }
    }

    /// Returns once the work is done; at once after the first time.
    func wait() {
        done.wait()
        done.signal()
    }
}
