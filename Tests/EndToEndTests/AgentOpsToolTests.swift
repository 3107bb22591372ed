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
        let id = try #require(try LocalStore(home: home).sessionIDs().first?.value)
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
        // The header, three sessions, and the totals line.
        #expect(table.out.split(separator: "\n").count == 5)
        #expect(table.out.hasPrefix("ID "))
    }

    @Test("a corrupted or truncated line is reported and skipped, never a crash")
    func corruptedLines() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "sh", "-c", "echo kept"], home: home)
        let id = try #require(try LocalStore(home: home).sessionIDs().first)
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

@Suite("The agentops tool: views, filters, pruning")
struct AgentOpsToolViewTests {
    /// A store with sessions started `ages` seconds ago, tagged and ended as given.
    static func store(_ sessions: [(age: Double, tags: [String], state: EndState)]) throws -> String {
        let home = Harness.temporaryFolder()
        let store = LocalStore(home: home)
        let now = Timestamp.now()
        for (index, spec) in sessions.enumerated() {
            let id = try #require(SessionID(String(format: "%08d-0000-4000-8000-000000000000", index)))
            let start = Timestamp(microseconds: now.microseconds - Int64(spec.age * 1_000_000))
            try store.open(id).append([
                .start(Session(id: id, initTimestamp: start, tags: spec.tags, hostEnv: .null, command: ["c\(index)"])),
                .end(.init(timestamp: start, state: spec.state, reason: "r")),
            ])
        }
        return home
    }

    @Test("sessions filters by tag, state and start time")
    func filters() throws {
        let home = try Self.store([(10, ["a"], .success), (7200, ["a", "b"], .fail), (172_800, ["b"], .fail)])
        func ids(_ arguments: [String]) throws -> [String] {
            let result = Harness.tool(["sessions", "--json"] + arguments, home: home)
            try #require(result.code == 0, "\(result.err)")
            return try JSONParser.parse(result.stdout).arrayValue?.compactMap { $0["command"]?.arrayValue?.first?.stringValue } ?? []
        }
        #expect(try ids(["--tag", "a"]) == ["c0", "c1"])
        #expect(try ids(["--tag", "a", "--tag", "b"]) == ["c1"])
        #expect(try ids(["--state", "fail"]) == ["c1", "c2"])
        #expect(try ids(["--since", "1d"]) == ["c0", "c1"])
        #expect(try ids(["--since", "2000-01-01", "--limit", "1"]) == ["c0"])
        #expect(Harness.tool(["sessions", "--state", "Failure"], home: home).code == 2)
        #expect(Harness.tool(["sessions", "--since", "whenever"], home: home).code == 2)
    }

    @Test("show: header, then events in time order with stream and text")
    func show() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "-t", "demo", "sh", "-c", "echo hello; sleep 0.2; echo oops >&2; exit 2"], home: home)
        let result = Harness.tool(["show", "last"], home: home)
        #expect(result.code == 0)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("session   ") == true)
        #expect(lines.contains("command   sh -c 'echo hello; sleep 0.2; echo oops >&2; exit 2'"))
        #expect(lines.contains("state     Fail: Command exited with code 2"))
        #expect(lines.contains("tags      demo"))
        let events = lines.filter { $0.contains("  stdout  ") || $0.contains("  stderr  ") }
        #expect(events.count == 2)
        #expect(events.first?.hasSuffix("stdout  hello") == true && events.last?.hasSuffix("stderr  oops") == true)
        #expect(!result.out.contains("\u{1B}["), "no colour outside a terminal")
    }

    @Test("export --format jsonl streams the session, then one line per event")
    func jsonl() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "--event-window", "0", "sh", "-c", "echo a; echo b; echo c >&2"], home: home)
        let result = Harness.tool(["export", "last", "--format", "jsonl"], home: home)
        #expect(result.code == 0)
        let lines = try result.out.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(lines.count == 4)
        #expect(lines.first?["session"]?["end_state"] == .string("Success"))
        #expect(Set(lines.dropFirst().compactMap { $0["event_type"]?.stringValue }) == ["actions", "errors"])
        #expect(Harness.tool(["export", "last", "--format", "xml"], home: home).code == 2)
    }

    @Test("prune --older-than and --keep")
    func prune() throws {
        let home = try Self.store([(10, [], .success), (86400 * 40, [], .fail), (86400 * 50, [], .fail)])
        #expect(Harness.tool(["prune"], home: home).code == 2)
        #expect(Harness.tool(["prune", "--older-than", "30d"], home: home).code == 0)
        #expect(try LocalStore(home: home).sessionIDs().count == 1)
        let more = try Self.store([(10, [], .success), (20, [], .success), (30, [], .success)])
        _ = Harness.tool(["prune", "--keep", "1"], home: more)
        #expect(try LocalStore(home: more).sessionIDs().map(\.value) == ["00000000-0000-4000-8000-000000000000"])
    }

    @Test("ten nested runs writing at once give one consistent session")
    func concurrentNestedRuns() throws {
        let home = Harness.temporaryFolder()
        let script = "for i in 1 2 3 4 5 6 7 8 9 10; do \(Harness.agentopsRun) -q --event-window 0 -- seq 1 300 "
            + "> /dev/null & done; wait"
        let result = Harness.wrap(["-q", "sh", "-c", script], home: home, timeout: 120)
        #expect(result.code == 0)
        #expect(try LocalStore(home: home).sessionIDs().count == 1)
        let export = Harness.tool(["export", "last"], home: home)
        #expect(!export.err.contains("skipped"), "\(export.err)")
        let actions = try JSONParser.parse(export.stdout).list("actions")
        let numbers = actions.filter { $0["action_type"] == .string("stdout") }.compactMap { $0["logs"]?.stringValue }
        #expect(numbers.count == 3000)
        #expect(Dictionary(grouping: numbers, by: { $0 }).values.allSatisfy { $0.count == 10 })
        #expect(actions.filter { $0["action_type"] == .string("command") }.count == 10)
    }
}
