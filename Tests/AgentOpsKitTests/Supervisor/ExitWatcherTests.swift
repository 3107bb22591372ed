import Foundation
import Testing
@testable import AgentOpsKit

/// How the exit watcher learns of the command's end when Foundation reaped it first.
@Suite("Exit watcher", .serialized)
struct ExitWatcherTests {
    /// Foundation's process thread reaps the command in a blocking `waitpid`, sets its
    /// status, then starts a thread for the termination handler, which a busy machine
    /// can leave waiting for milliseconds (issue 18). The watcher must not wait for that
    /// thread: here the handler's semaphore is never signalled at all.
    @Test("an exit Foundation reaped first is reported at once, without waiting for its handler thread")
    func reapedByFoundation() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exit 7"]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(1000) }
        try #require(!process.isRunning)

        let reported = DispatchSemaphore(value: 0)
        let seen = Box()
        let start = DispatchTime.now()
        let watcher = ExitWatcher(process: process, foundationExit: DispatchSemaphore(value: 0))
        let started = watcher.start(onStop: { _ in }, onExit: { exit in
            seen.set(exit, after: start)
            reported.signal()
        })
        try #require(started)
        #expect(reported.wait(timeout: .now() + 5) == .success)
        let (exit, milliseconds) = seen.get()
        #expect(exit == .exited(7))
        // The old watcher waited 50 ms for the handler's semaphore before looking at
        // `isRunning`; a thread start on a loaded machine stays well under this.
        #expect(milliseconds < 40, "took \(milliseconds) ms")
    }

    private final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var exit: ChildExit?
        private var milliseconds = 0.0

        func set(_ exit: ChildExit, after start: DispatchTime) {
            lock.withLock {
                self.exit = exit
                milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
            }
        }

        func get() -> (ChildExit?, Double) { lock.withLock { (exit, milliseconds) } }
    }
}
