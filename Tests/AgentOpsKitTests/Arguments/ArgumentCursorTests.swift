import Testing
@testable import AgentOpsKit

@Suite("Argument cursor")
struct ArgumentCursorTests {
    /// The arguments as the cursor hands them out after splitting clusters.
    static func split(_ arguments: [String], flags: String, valued: String) -> [String] {
        var cursor = ArgumentCursor(arguments)
        var seen: [String] = []
        while !cursor.isAtEnd {
            cursor.splitCluster(flags: flags, valued: valued)
            seen.append(cursor.current)
            cursor.advance()
        }
        return seen
    }

    @Test("clusters split as getopt reads them; values and unknown letters stay whole")
    func clusters() {
        #expect(Self.split(["-qt", "demo"], flags: "qh", valued: "t") == ["-q", "-t", "demo"])
        #expect(Self.split(["-qtdemo"], flags: "qh", valued: "t") == ["-q", "-tdemo"])
        #expect(Self.split(["-ny"], flags: "ny", valued: "") == ["-n", "-y"])
        #expect(Self.split(["-tq"], flags: "q", valued: "t") == ["-tq"])
        #expect(Self.split(["-qx"], flags: "q", valued: "") == ["-qx"])
        #expect(Self.split(["--quiet", "-q"], flags: "q", valued: "") == ["--quiet", "-q"])
    }

    @Test("agentops-run takes clustered short options and leaves the command's alone")
    func runOptions() throws {
        let options = try RunOptions.parse(["-qt", "demo", "-k5s", "ls", "-la"])
        #expect(options.quiet && options.tags == ["demo"] && options.killAfter == 5)
        #expect(options.command == ["ls", "-la"])
    }
}
