import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A store holding session files with no session in them: empty (agentops-run died
/// right after creating the file, as under `ulimit -s 24`), and cut before the end of
/// the start record (with and without records after it). Every command copes: lists
/// the sessions there are and names these files once, refuses them by id in one line,
/// sends nothing for them, and `prune` removes them once they are a minute old.
@Suite("Session files that hold no session", .serialized)
struct EmptySessionFileTests {
    static let empty = "11111111-1111-4111-8111-111111111111"
    static let cut = "22222222-2222-4222-8222-222222222222"
    static let cutThenEvents = "33333333-3333-4333-8333-333333333333"
    static let headless = [empty, cut, cutThenEvents]

    /// A store with one real session and the three files, all last written `age` seconds ago.
    static func store(age: Int = 7200) throws -> (home: String, session: String) {
        let home = StoreFaultTests.emptyStore()
        let (id, bytes) = try StoreFaultTests.recordedSession()
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let folder = home + "/sessions/"
        let files: [(String, [UInt8])] = [
            (id, bytes), (empty, []), (cut, Array(lines[0].prefix(60))),
            (cutThenEvents, Array(lines[0].prefix(60)) + [0x0A] + Array(lines[1]) + [0x0A]),
        ]
        for (name, content) in files {
            try Data(content).write(to: URL(fileURLWithPath: folder + name + ".jsonl"))
            var times = [timeval(tv_sec: time(nil) - age, tv_usec: 0), timeval(tv_sec: time(nil) - age, tv_usec: 0)]
            try #require(utimes(folder + name + ".jsonl", &times) == 0)
        }
        return (home, id)
    }

    static func tool(_ arguments: [String], home: String, extra: [String: String] = [:]) -> Harness.Result {
        Harness.run(Harness.agentops, arguments, environment: Harness.environment(home: home, extra: extra),
                    timeout: 30)
    }

    static let note = "agentops: warning: 3 files in the store hold no session, empty or cut before the start record "
        + "(a run that died as it started): \(headless.joined(separator: ", ")); 'agentops prune' removes them\n"

    @Test("sessions lists the session there is and names the files once, from the log and from the index")
    func sessions() throws {
        let (home, session) = try Self.store()
        for _ in 0..<2 {
            let table = Self.tool(["sessions"], home: home)
            #expect(table.code == 0 && table.err == Self.note, "\(table.err)")
            #expect(table.out.contains(String(session.prefix(8))) && table.out.contains("1 session |"), "\(table.out)")
            let json = Self.tool(["sessions", "--json"], home: home)
            #expect(json.code == 0 && json.err == Self.note, "\(json.err)")
            #expect(try JSONParser.parse(json.stdout).arrayValue?.map { $0["id"] } == [.string(session)])
        }
        #expect(Self.tool(["show", "last", "--no-pager"], home: home).out.contains(session))
    }

    @Test("show, stats, export and report refuse each file by id in one line; nothing traps")
    func readers() throws {
        let (home, _) = try Self.store()
        for id in Self.headless {
            let path = home + "/sessions/\(id).jsonl"
            for arguments in [["show", id, "--no-pager"], ["stats", id], ["export", id],
                              ["export", id, "--format", "otlp-json"], ["report", id, "-o", "-"]] {
                let result = Self.tool(arguments, home: home)
                #expect(result.code == 1 && result.signal == nil, "\(arguments)")
                #expect(result.err == "agentops: \(path) holds no session (no start record)\n",
                        "\(arguments): \(result.err)")
                #expect(result.stdout.isEmpty, "\(arguments)")
            }
        }
    }

    @Test("sync: by id, one line and exit 1, no cursor made; the whole store sends the session and notes the files")
    func sync() throws {
        let (home, session) = try Self.store()
        let server = try FakeAgentOps()
        let api = ["AGENTOPS_API_KEY": SyncTests.key, "AGENTOPS_API_ENDPOINT": server.endpoint]
        for id in Self.headless {
            let result = Self.tool(["sync", id], home: home, extra: api)
            #expect(result.code == 1, "\(result.err)")
            #expect(result.err == "agentops: \(home)/sessions/\(id).jsonl holds no session (no start record)\n")
            #expect(!FileManager.default.fileExists(atPath: home + "/sessions/\(id).sync"), "not handed over")
        }
        // A FIFO in a log's place: said as show says it, and never opened for reading.
        let fifo = "55555555-5555-4555-8555-555555555555"
        #expect(mkfifo(home + "/sessions/\(fifo).jsonl", 0o600) == 0)
        let named = Self.tool(["sync", fifo], home: home, extra: api)
        #expect(named.code == 1 && named.err.contains("is not a regular file"), "\(named.err)")
        #expect(named.err == Self.tool(["show", fifo], home: home).err)
        #expect(server.requests().isEmpty)
        #expect(unlink(home + "/sessions/\(fifo).jsonl") == 0)
        let quiet = Self.tool(["sync", "--catch-up", "-q"], home: home, extra: api)
        #expect(quiet.code == 0 && quiet.err.isEmpty, "\(quiet.err)")
        #expect(server.requests().first?["body"]?["session"]?["session_id"] == .string(session))
        let loud = Self.tool(["sync", "--catch-up"], home: home, extra: api)
        #expect(loud.code == 0 && loud.err == Self.note + "agentops: uploaded 0 events of 0 sessions\n", "\(loud.err)")
    }

    @Test("prune removes the files once last written over a minute (and --older-than) ago; keep does not count them")
    func prune() throws {
        let (home, session) = try Self.store()
        let fresh = "44444444-4444-4444-8444-444444444444"
        try Data().write(to: URL(fileURLWithPath: home + "/sessions/\(fresh).jsonl"))
        let older = Self.tool(["prune", "--older-than", "3h", "-n"], home: home)
        #expect(older.code == 0 && older.stdout.isEmpty && older.err == "agentops: would remove 0 sessions\n")
        let dry = Self.tool(["prune", "--keep", "1", "-n"], home: home)
        #expect(dry.code == 0 && dry.out.split(separator: "\n").sorted() == Self.headless.map { Substring($0) })
        #expect(dry.err == "agentops: would remove 0 sessions and 3 files holding none\n", "\(dry.err)")
        let removed = Self.tool(["prune", "--keep", "1", "-y"], home: home)
        #expect(removed.err == "agentops: removed 0 sessions and 3 files holding none\n", "\(removed.err)")
        let left = try FileManager.default.contentsOfDirectory(atPath: home + "/sessions")
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        #expect(left == ["\(fresh).jsonl", "\(session).jsonl"].sorted(),
                "a file written just now may be a run starting")
    }
}
