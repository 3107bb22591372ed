import Foundation
import Testing
@testable import AgentOpsKit

@Suite("Plain threads")
struct PlainThreadTests {
    @Test("the body runs on another thread, named as asked (cut to Linux's 15 bytes)")
    func runsNamed() throws {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        PlainThread.start(name: "agentops-run test thread") {
            box.set(name: (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "",
                    main: Thread.isMainThread)
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        let (name, main) = box.get()
        #expect(name == "agentops-run te\n")
        #expect(!main)
    }

    @Test("the stack holds deep recursion: 4 MiB of frames, over glibc's 2 MiB default for `ulimit -s unlimited`")
    func deepStack() {
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        PlainThread.start(name: "deep") {
            var top: UInt8 = 0
            let used = withUnsafeMutablePointer(to: &top) { Self.descend(from: UInt(bitPattern: $0), until: 4 << 20) }
            box.set(name: used >= 4 << 20 ? "deep enough" : "\(used)", main: false)
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(box.get().name == "deep enough")
    }

    /// Recurses until the stack below `top` is `bytes` deep; returns how deep it got.
    @inline(never)
    private static func descend(from top: UInt, until bytes: UInt) -> UInt {
        var here: UInt8 = 0
        return withUnsafeMutablePointer(to: &here) { pointer in
            let depth = top &- UInt(bitPattern: pointer)
            return depth >= bytes ? depth : descend(from: top, until: bytes) | (UInt(pointer.pointee) & 0)
        }
    }

    private final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var name = ""
        private var main = true

        func set(name: String, main: Bool) {
            lock.withLock {
                self.name = name
                self.main = main
            }
        }

        func get() -> (name: String, main: Bool) { lock.withLock { (name, main) } }
    }
}
