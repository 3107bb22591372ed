import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The follower's wake-up: a write to the watched log ends the wait at once, and with
/// no write the wait ends at its timeout.
@Suite("File watch")
struct FileWatchTests {
    static func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }

    @Test("an append wakes the wait long before its timeout; no append waits the timeout out")
    func wakesOnAppend() throws {
        let path = StoreTests.folder() + "/log.jsonl"
        FileManager.default.createFile(atPath: path, contents: Data())
        let watch = try #require(FileWatch(path: path))

        let idle = DispatchTime.now()
        watch.wait(milliseconds: 200)
        #expect(Self.milliseconds(since: idle) >= 150)

        let writer = Thread {
            usleep(100_000)
            let fd = open(path, O_WRONLY | O_APPEND)
            _ = write(fd, "x\n", 2)
            close(fd)
        }
        writer.start()
        let start = DispatchTime.now()
        watch.wait(milliseconds: 20_000)
        let waited = Self.milliseconds(since: start)
        #expect(waited >= 50 && waited < 10_000)
    }

    @Test("a path that cannot be watched gives no watch (the follower then polls)")
    func missingFile() {
        #expect(FileWatch(path: StoreTests.folder() + "/no-such-log.jsonl") == nil)
    }
}
