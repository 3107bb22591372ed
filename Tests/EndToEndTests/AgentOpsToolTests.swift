import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("The agentops tool")
struct AgentOpsToolTests {
    /// A store with sessions whose ids are chosen, written through the library.
    static func store(ids: [String]) throws -> String {
        let home = Harness.temporaryFolder()
        let store = LocalStore(home: home)
        for (index, text) in ids.enumerated() {
            let id = try #require(SessionID(text))
            let session = Session(id: id, initTimestamp: Timestamp(microseconds: 1_700_000_000_000_000 + Int64(index)),
                                  tags: ["t\(index)"], hostEnv: .object([]), command: ["echo", "\(index)"])
            try store.open(id).append([.start(session)])
        }
        return home
    }

    @Test("stats and export by full id, unique prefix and 'last'")
    func resolveIDs() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "sh", "-c", "echo a; echo b >&2"], home: home)
        let id = try #require(LocalStore(home: home).sessionIDs().first?.value)
        for query in [id, String(id.prefix(6)), "last", id.uppercased()] {
            let stats = Harness.tool(["stats", query], home: home)
            #expect(stats.code == 0, "\(query): \(stats.err)")
            let json = try JSONParser.parse(stats.stdout)
            #expect(json == .object([("session_id", .string(id)), ("cost", .string("0.00")), ("events", .int(2)),
                                     ("prompt_tokens", .int(0)), ("completion_tokens", .int(0)),
                                     ("errors", .int(1))]))
        }
        let export = try Harness.export(String(id.prefix(4)), home: home)
        #expect(export["session"]?["id"]?.stringValue == id)
        guard case let .object(pairs) = export else { return }
        #expect(pairs.map(\.0) == ["session", "actions", "llms", "tools", "errors"])
    }

    @Test("unknown and ambiguous ids: a clear message and exit 1")
    func unknownAndAmbiguous() throws {
        let home = try Self.store(ids: ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaab-0000-4000-8000-000000000002"])
        let ambiguous = Harness.tool(["export", "aaaa"], home: home)
        #expect(ambiguous.code == 1)
        #expect(ambiguous.err.contains("matches 2 sessions"))
        #expect(ambiguous.stdout.isEmpty)
        let unknown = Harness.tool(["stats", "ffff"], home: home)
        #expect(unknown.code == 1)
        #expect(unknown.err.contains("no session matches 'ffff'"))
        #expect(Harness.tool(["export", "aaaaaaab"], home: home).code == 0)
        let empty = Harness.tool(["stats", "last"], home: Harness.temporaryFolder())
        #expect(empty.code == 1)
        #expect(Harness.tool(["frobnicate"], home: home).code == 2)
        #expect(Harness.tool(["stats"], home: home).code == 2)
    }

    @Test("'last' is the most recently started session, and sessions lists newest first")
    func newestFirst() throws {
        let home = try Self.store(ids: ["11111111-0000-4000-8000-000000000001", "22222222-0000-4000-8000-000000000002",
                                        "00000000-0000-4000-8000-000000000003"])
        let last = try Harness.export(home: home)
        #expect(last["session"]?["id"]?.stringValue == "00000000-0000-4000-8000-000000000003")
        let listed = Harness.tool(["sessions", "--json", "--limit", "2"], home: home)
        let rows = try JSONParser.parse(listed.stdout).arrayValue ?? []
        #expect(rows.compactMap { $0["id"]?.stringValue?.prefix(8) } == ["00000000", "22222222"])
        let table = Harness.tool(["sessions"], home: home)
        #expect(table.out.split(separator: "\n").count == 4)
        #expect(table.out.hasPrefix("ID "))
    }

    @Test("a corrupted or truncated line is reported and skipped, never a crash")
    func corruptedLines() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "sh", "-c", "echo kept"], home: home)
        let id = try #require(LocalStore(home: home).sessionIDs().first)
        let path = LocalStore(home: home).path(of: id)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"record\":\"event\",\"event\":{\"id\":\"x\"}}\nnot json at all\n{\"record\":\"ev".utf8))
        handle.closeFile()
        let export = Harness.tool(["export", "last"], home: home)
        #expect(export.code == 0)
        #expect(export.err.components(separatedBy: "skipped a corrupted line").count == 4)
        let json = try JSONParser.parse(export.stdout)
        #expect(json.list("actions").compactMap { $0["logs"]?.stringValue } == ["kept"])
        #expect(Harness.tool(["sessions"], home: home).code == 0)
    }
}
