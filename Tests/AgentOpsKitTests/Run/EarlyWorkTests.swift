import Foundation
import Testing
@testable import AgentOpsKit

/// Work begun on a thread and done by whoever comes first (issue 18).
@Suite("Early work")
struct EarlyWorkTests {
    @Test("the work is done exactly once, and done when wait() returns, whichever side takes it")
    func exactlyOnce() {
        for _ in 0..<300 {
            let count = Counter()
            let work = EarlyWork(name: "early-work test") { count.add() }
            work.wait()
            #expect(count.value == 1)
            work.wait()
            usleep(50)
            #expect(count.value == 1)
        }
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
