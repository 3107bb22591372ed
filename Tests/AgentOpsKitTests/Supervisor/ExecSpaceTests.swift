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

    @Test("a #! line adds its interpreter and its one argument, level by level, and the script's path for argv[0]")
    func scriptExtra() {
        func extra(_ files: [String: String], path: String = "/tmp/s", zero: String = "s") -> Int {
            ExecSpace.scriptExtra(path: Array(path.utf8), argumentZero: Array(zero.utf8)) {
                Array((files[String(decoding: $0, as: UTF8.self)] ?? "").utf8)
            }
        }
        #expect(extra(["/tmp/s": "#!/bin/sh\necho"]) == 8 + 7 - 2)
        #expect(extra(["/tmp/s": "#! /usr/bin/env  python3 -u \t\n"]) == 13 + 7 + 11 - 2)
        #expect(extra(["/tmp/s": "#!/bin/sh -e\r\n"]) == 8 + 7 + 4 - 2)
        #expect(extra(["/tmp/s": "#!/bin/sh\u{0}" + String(repeating: "x", count: 200)]) == 8 + 7 - 2)
        #expect(extra(["/a/long/path/to/s": "#!/bin/sh"], path: "/a/long/path/to/s", zero: "/a/long/path/to/s") == 8)
        // An interpreter that is a script itself: its own #! line is added too.
        #expect(extra(["/tmp/s": "#!/tmp/mid\n", "/tmp/mid": "#!/bin/sh -e\n"]) == 7 + 9 + 8 + 3 - 2)
        // Four levels at most, as the kernel goes (a loop would go on for ever).
        #expect(extra(["/tmp/s": "#!/tmp/s\n"]) == 7 + 4 * 7 - 2)
        #expect(extra(["/tmp/s": "echo hi\n"]) == 0)
        #expect(extra(["/tmp/s": "#!\n"]) == 0)
        #expect(extra([:]) == 0)
        // Only 255 bytes are read: a line without a newline ends there.
        let long = "#!/bin/sh " + String(repeating: "a", count: 300)
        #expect(extra(["/tmp/s": long]) == 8 + 7 + (255 - 10) + 1 - 2)
    }
}
