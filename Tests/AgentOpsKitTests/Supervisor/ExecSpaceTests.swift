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
}
