import Foundation
import Synchronization
import Testing
@testable import AgentOpsKit

/// The pump hands big events to a recording thread: they must still be recorded in the
/// order they closed, small ones in place only when nothing waits, and all of them by
/// the time the queue is closed.
@Suite("Recording queue")
struct RecordingQueueTests {
    @Test("big and small events are recorded in order, all of them by close; small ones alone in place")
    func order() {
        let queue = RecordingQueue()
        let recorded = Mutex<[Int]>([])
        let threads = Mutex<[Bool]>([])
        let big = RecordingQueue.handOffBytes
        nonisolated(unsafe) let caller = Thread.current
        // Small, big (handed over, slow), then small ones that must wait behind it.
        let sizes = [10, big, 10, 0, big * 3, 10, 10]
        for (index, size) in sizes.enumerated() {
            queue.record(bytes: size) {
                if size >= big { Thread.sleep(forTimeInterval: 0.05) }
                recorded.withLock { $0.append(index) }
                let here = Thread.current === caller
                threads.withLock { $0.append(here) }
            }
        }
        queue.close()
        #expect(recorded.withLock { $0 } == Array(sizes.indices))
        // The first small event had nothing ahead of it: recorded on the caller's thread;
        // the big one went to the queue's thread, and so did the small ones behind it.
        #expect(threads.withLock { $0 } == [true, false, false, false, false, false, false])
    }

    @Test("a queue never handed anything closes at once, without a thread")
    func idle() {
        let queue = RecordingQueue()
        var count = 0
        queue.record(bytes: 5) { count += 1 }
        queue.close()
        #expect(count == 1)
    }

    @Test("what waits is bounded: the caller waits for room")
    func bounded() {
        let queue = RecordingQueue()
        let done = Mutex(0)
        let size = RecordingQueue.maxPendingBytes / 2
        let start = Date()
        // Each takes 20 ms; at most about two wait, so the fifth is given only once
        // the first ones were recorded.
        for _ in 0..<5 {
            queue.record(bytes: size) {
                Thread.sleep(forTimeInterval: 0.02)
                done.withLock { $0 += 1 }
            }
        }
        let givenAfter = Date().timeIntervalSince(start)
        queue.close()
        #expect(done.withLock { $0 } == 5)
        #expect(givenAfter >= 0.03)
    }
}
