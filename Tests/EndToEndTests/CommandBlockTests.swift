import Glibc
import Testing
@testable import AgentOpsExec

/// The command block agentops-run sends the exec helper (`ExecHelper.commandBlock`):
/// what is written is what is read, and a broken block is refused, never trusted.
@Suite("The exec helper's command block")
struct CommandBlockTests {
    /// Writes `bytes` into one end of a socket pair, closes it, and reads a block at the other.
    private func read(_ bytes: [UInt8]) -> (arguments: [String], environment: [String])? {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return nil }
        defer { close(pair[1]) }
        _ = bytes.withUnsafeBytes { write(pair[0], $0.baseAddress, $0.count) }
        close(pair[0])
        return ExecHelper.readCommandBlock(from: pair[1])
    }

    @Test("arguments and environment come back as sent, whatever bytes they hold")
    func roundTrip() throws {
        let arguments = ["/bin/echo", "", "two words", "line\nbreak", "héllo ✓", String(repeating: "a", count: 70_000)]
        let environment = ["A=1", "EMPTY=", "EQ=k=v", "NL=a\nb"]
        let block = try #require(ExecHelper.commandBlock(arguments: arguments, environment: environment))
        let back = try #require(read(block))
        #expect(back.arguments == arguments)
        #expect(back.environment == environment)
        let small = try #require(ExecHelper.commandBlock(arguments: ["/bin/true"], environment: []))
        let none = try #require(read(small))
        #expect(none.arguments == ["/bin/true"] && none.environment.isEmpty)
    }

    @Test("a block cut short, over-long, with a string past its end, or with no command is refused")
    func refused() throws {
        let block = try #require(ExecHelper.commandBlock(arguments: ["/bin/true", "x"], environment: ["A=1"]))
        #expect(read(Array(block.dropLast())) == nil)
        #expect(read([]) == nil)
        // A length over the limit.
        #expect(read([0xFF, 0xFF, 0xFF, 0x7F] + block.dropFirst(4)) == nil)
        // A string's length that runs past the block.
        var past = block
        past[12] = 0xFF
        #expect(read(past) == nil)
        // Counts that do not match the strings.
        var counts = block
        counts[4] = 5
        #expect(read(counts) == nil)
        #expect(ExecHelper.commandBlock(arguments: [], environment: []).flatMap { read($0) } == nil)
    }
}
