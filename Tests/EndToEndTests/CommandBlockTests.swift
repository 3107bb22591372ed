import Glibc
import Testing
@testable import AgentOpsExec

/// The command block agentops-run sends the exec helper (`ExecHelper.commandBlock`):
/// what is written is what is read, and a broken block is refused, never trusted.
@Suite("The exec helper's command block")
struct CommandBlockTests {
    /// Writes `bytes` into one end of a socket pair, closes it, and reads a block at the
    /// other: what `execve` would get (the path, then argv), as bytes, each list checked
    /// to end with NULL.
    private func read(_ bytes: [UInt8]) -> (arguments: [[UInt8]], environment: [[UInt8]])? {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return nil }
        defer { close(pair[1]) }
        _ = bytes.withUnsafeBytes { write(pair[0], $0.baseAddress, $0.count) }
        close(pair[0])
        guard let (path, arguments, environment) = ExecHelper.readCommandBlock(from: pair[1]) else { return nil }
        func strings(_ list: [UnsafeMutablePointer<CChar>?]) -> [[UInt8]] {
            #expect(list.last == .some(nil))
            return list.dropLast().map { pointer in
                pointer.map { Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self),
                                                        count: strlen($0))) } ?? []
            }
        }
        return (strings([path] + arguments), strings(environment))
    }

    private func bytes(_ strings: [String]) -> [[UInt8]] { strings.map { Array($0.utf8) } }

    @Test("arguments and environment come back as sent, whatever bytes they hold")
    func roundTrip() throws {
        // Bytes that are not UTF-8 too: a Latin-1 name, raw bytes in a value.
        let arguments = bytes(["/bin/echo", "", "two words", "line\nbreak", "héllo ✓", String(repeating: "a", count: 70_000)])
            + [[0x63, 0x61, 0x66, 0xE9], [0xFF, 0xFE, 0x80]]
        let environment = bytes(["A=1", "EMPTY=", "EQ=k=v", "NL=a\nb"]) + [[0x58, 0x3D, 0xC3, 0x28, 0xF4, 0x90]]
        let block = try #require(ExecHelper.commandBlock(arguments: arguments, environment: environment))
        let back = try #require(read(block))
        #expect(back.arguments == arguments)
        #expect(back.environment == environment)
        let small = try #require(ExecHelper.commandBlock(arguments: bytes(["/bin/true", "true"]), environment: []))
        let none = try #require(read(small))
        #expect(none.arguments == bytes(["/bin/true", "true"]) && none.environment.isEmpty)
    }

    @Test("a block cut short, over-long, with a string past its end, or with no command is refused")
    func refused() throws {
        let block = try #require(ExecHelper.commandBlock(arguments: bytes(["/bin/true", "x"]), environment: bytes(["A=1"])))
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
        // A path with no argv[0].
        #expect(ExecHelper.commandBlock(arguments: bytes(["/bin/true"]), environment: []).flatMap { read($0) } == nil)
    }
}
