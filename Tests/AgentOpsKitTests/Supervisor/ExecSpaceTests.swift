import Testing
@testable import AgentOpsKit

@Suite("The room an exec has for arguments and environment")
struct ExecSpaceTests {
    @Test("each string counts with its NUL and a pointer, the path without one, argv at least one pointer")
    func bytes() {
        #expect(ExecSpace.bytes(path: Array("/bin/true".utf8), arguments: [Array("true".utf8)],
                                environment: [Array("A=1".utf8), []]) == 10 + 5 + 4 + 1 + 3 * 8)
        #expect(ExecSpace.bytes(path: [], arguments: [], environment: []) == 1 + 8)
    }

    @Test("a quarter of the stack limit, at most 6 MiB, at least 128 KiB")
    func limit() {
        #expect(ExecSpace.limit(stack: 8 << 20) == 2 << 20)
        #expect(ExecSpace.limit(stack: nil) == 6 << 20)
        #expect(ExecSpace.limit(stack: 1 << 40) == 6 << 20)
        #expect(ExecSpace.limit(stack: 64 << 10) == 128 << 10)
        #expect(ExecSpace.limit(stack: 0) == 128 << 10)
    }

    @Test("no one string over 128 KiB with its NUL, whatever the total")
    func longestString() {
        let fitting = [UInt8](repeating: 0x78, count: 131_071), over = [UInt8](repeating: 0x78, count: 131_072)
        #expect(ExecSpace.fits(path: Array("/bin/true".utf8), arguments: [[]], environment: [fitting], stack: nil))
        #expect(!ExecSpace.fits(path: Array("/bin/true".utf8), arguments: [[]], environment: [over], stack: nil))
        #expect(!ExecSpace.fits(path: Array("/bin/true".utf8), arguments: [over], environment: [], stack: nil))
        #expect(!ExecSpace.fits(path: [], arguments: [], environment: [], extra: 6 << 20, stack: nil))
    }

    @Test("a #! line adds its interpreter, its one argument and the script's path in place of argv[0]")
    func scriptExtra() {
        func extra(_ head: String, path: String = "/tmp/s", zero: String = "s") -> Int {
            ExecSpace.scriptExtra(head: Array(head.utf8)[...], path: Array(path.utf8), argumentZero: Array(zero.utf8))
        }
        #expect(extra("#!/bin/sh\necho") == 8 + 7 + 8 - 2)
        #expect(extra("#! /usr/bin/env  python3 -u \t\n") == 13 + 7 + 8 + 11 + 8 - 2)
        #expect(extra("#!/bin/sh", path: "/a/long/path/to/s", zero: "/a/long/path/to/s") == 8 + 8)
        #expect(extra("echo hi\n") == 0)
        #expect(extra("#!\n") == 0)
        #expect(extra("") == 0)
    }
}
