import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("Uploading to the AgentOps API", .serialized)
struct SyncTests {
    static let key = "6f1c0e2a-5b7d-4c3e-9a8b-2d1e0f9c8b7a"

    /// A recorded session with output on both streams, an LLM call, tags and an end.
    static func recordedSession() throws -> (home: String, eventIDs: Set<String>) {
        let home = Harness.temporaryFolder()
        let extra = ["PATH": Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/bin")]
        let script = "seq 1 3; echo oops >&2; sleep 0.2; agentops event llm --model gpt-4o --prompt-tokens 10 "
            + "--completion-tokens 5 --cost 0.001; agentops tags add later; exit 2"
        _ = Harness.wrap(["-q", "--event-window", "0", "-t", "upload", "sh", "-c", script], home: home, extra: extra)
        let export = try Harness.export(home: home)
        let ids = ["actions", "llms", "tools", "errors"].flatMap { export.list($0) }.compactMap { $0["id"]?.stringValue }
        return (home, Set(ids))
    }

    static func sync(_ home: String, endpoint: String, arguments: [String] = [],
                     key: String? = key) -> Harness.Result {
        var env = Harness.environment(home: home)
        env["AGENTOPS_API_ENDPOINT"] = endpoint
        if let key { env["AGENTOPS_API_KEY"] = key }
        return Harness.run(Harness.agentops, ["sync"] + arguments, environment: env, timeout: 90)
    }

    @Test("sync sends create_session, every event once in batches, and update_session with the end")
    func healthy() throws {
        let (home, ids) = try Self.recordedSession()
        let server = try FakeAgentOps()
        let result = Self.sync(home, endpoint: server.endpoint)
        #expect(result.code == 0, "\(result.err)")
        let requests = server.requests()
        let paths = requests.compactMap { $0["path"]?.stringValue }
        #expect(paths.first == "/v2/create_session")
        #expect(paths.last == "/v2/update_session")
        #expect(server.eventIDs().sorted() == ids.sorted(), "each event exactly once")

        let create = try #require(requests.first)
        #expect(create["headers"]?["x-agentops-api-key"] == .string(Self.key))
        #expect(create["headers"]?["content-type"] == .string("application/json; charset=UTF-8"))
        let session = try #require(create["body"]?["session"])
        #expect(session["session_id"]?.stringValue.flatMap(SessionID.init) != nil)
        #expect(session["init_timestamp"]?.stringValue?.hasSuffix("+00:00") == true)
        #expect(session["host_env"]?["OS"] != nil)
        for request in requests where request["path"] == .string("/v2/create_events") {
            #expect(request["headers"]?["authorization"] == .string("Bearer jwt-" + session["session_id"]!.stringValue!))
            for event in request["body"]?["events"]?.arrayValue ?? [] {
                #expect(event["init_timestamp"] != nil && event["end_timestamp"] != nil && event["session_id"] != nil)
                if event["event_type"] == .string("errors") { #expect(event["timestamp"] != nil) }
            }
        }
        let end = try #require(requests.last?["body"]?["session"])
        #expect(end["end_state"] == .string("Fail"))
        #expect(end["end_state_reason"] == .string("Command exited with code 2"))
        #expect(end["tags"] == .array([.string("upload"), .string("later")]))
        #expect(end["end_timestamp"]?.stringValue != nil)

        let again = Self.sync(home, endpoint: server.endpoint)
        #expect(again.code == 0)
        #expect(server.eventIDs().count == ids.count, "nothing is sent twice")
    }

    @Test("500s, 429 with Retry-After and an expired JWT are retried: everything arrives once",
          arguments: ["fail-first-3", "retry-after", "expire-jwt"])
    func retried(mode: String) throws {
        let (home, ids) = try Self.recordedSession()
        let server = try FakeAgentOps(mode: mode)
        let result = Self.sync(home, endpoint: server.endpoint)
        #expect(result.code == 0, "\(result.err)")
        #expect(Set(server.eventIDs()) == ids)
        if mode == "expire-jwt" {
            #expect(server.requests().contains { $0["path"] == .string("/v2/reauthorize_jwt") })
        }
    }

    /// A backend shedding load that says `Retry-After: 0` was taken at its word: 57,000
    /// requests in 8 s (hostile pass, round 12). The backoff is the least wait.
    @Test("503 with Retry-After: 0 is retried no faster than the backoff, until --timeout")
    func retryAfterZero() throws {
        let (home, _) = try Self.recordedSession()
        let server = try FakeAgentOps(mode: "busy-now")
        let result = Self.sync(home, endpoint: server.endpoint, arguments: ["--timeout", "3s"])
        #expect(result.code == 1, "\(result.err)")
        #expect(result.err.contains("HTTP 503"), "\(result.err)")
        // 0.25 s doubling with jitter from ×0.5: at most 8 waits fit in 3 s.
        let requests = server.requests().count
        #expect((2...9).contains(requests), "\(requests) requests in 3 s")
    }

    @Test("through a server that drops kept-alive connections and answers 503 + Retry-After: each event once")
    func droppedKeptAliveConnections() throws {
        // 60 output events: three create_events batches, so that requests follow one
        // another on a kept-alive connection the server then drops.
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "--event-window", "0", "sh", "-c", "seq 1 60"], home: home)
        let export = try Harness.export(home: home)
        let ids = export.list("actions").compactMap { $0["id"]?.stringValue }
        #expect(ids.count == 60)
        let server = try FakeAgentOps(mode: "drop-kept-alive")
        let result = Self.sync(home, endpoint: server.endpoint)
        #expect(result.code == 0, "\(result.err)")
        let requests = server.requests()
        #expect(requests.contains { $0["status"] == .string("dropped") }, "a kept-alive connection was dropped")
        #expect(requests.contains { $0["status"] == .int(503) })
        #expect(server.eventIDs().sorted() == ids.sorted(), "each event exactly once")
        let answered = requests.filter { $0["status"] == .int(200) }.compactMap { $0["path"]?.stringValue }
        #expect(answered.filter { $0 == "/v2/create_session" }.count == 1)
        #expect(answered.last == "/v2/update_session")
    }

    @Test("a failing backend loses nothing: a later sync against a healthy one sends every event once",
          arguments: ["invalid-json", "refused", "blackhole"])
    func failThenRecover(mode: String) throws {
        let (home, ids) = try Self.recordedSession()
        let broken = mode == "refused" ? nil : try FakeAgentOps(mode: mode)
        let started = Date()
        let failed = Self.sync(home, endpoint: broken?.endpoint ?? "http://127.0.0.1:9", arguments: ["--timeout", "3s"])
        #expect(failed.code == 1)
        #expect(Date().timeIntervalSince(started) < 9)
        #expect(failed.err.split(separator: "\n").count == 1, "one warning line: \(failed.err)")
        #expect(failed.err.contains("not fully uploaded"))

        let healthy = try FakeAgentOps()
        #expect(Self.sync(home, endpoint: healthy.endpoint).code == 0)
        let delivered = (broken?.eventIDs() ?? []) + healthy.eventIDs()
        #expect(Set(delivered) == ids)
        #expect(healthy.eventIDs().count == Set(healthy.eventIDs()).count)
    }

    @Test("--catch-up lists the store: a blocked index save is one warning, none with --quiet")
    func catchUpSaysBlockedSave() throws {
        let (home, _) = try Self.recordedSession()
        let id = try #require(try LocalStore(home: home).sessionIDs().first).value
        let temporary = SessionIndex(store: LocalStore(home: home)).path + ".tmp"
        #expect(symlink(home + "/elsewhere", temporary) == 0)
        let server = try FakeAgentOps()
        let warnings = { (result: Harness.Result) in
            result.err.components(separatedBy: "warning: cannot save the session index: \(temporary)").count - 1
        }
        // As agentops-run starts it: in the background, where a warning would come late.
        let quiet = Self.sync(home, endpoint: server.endpoint, arguments: [id, "--catch-up", "--quiet"])
        #expect(quiet.code == 0 && warnings(quiet) == 0, "\(quiet.err)")
        let one = Self.sync(home, endpoint: server.endpoint, arguments: [id, "--catch-up"])
        #expect(one.code == 0 && warnings(one) == 1, "\(one.err)")
        // Every session listed, then listed again to catch up: still said once.
        let all = Self.sync(home, endpoint: server.endpoint, arguments: ["--catch-up"])
        #expect(all.code == 0 && warnings(all) == 1, "\(all.err)")
    }

    @Test("no key or a malformed key: a clear message, exit 1, the key never printed")
    func keys() throws {
        let (home, _) = try Self.recordedSession()
        let none = Self.sync(home, endpoint: "http://127.0.0.1:9", key: nil)
        #expect(none.code == 1 && none.err.contains("AGENTOPS_API_KEY is not set"))
        let bad = Self.sync(home, endpoint: "http://127.0.0.1:9", key: "not-a-uuid-secret")
        #expect(bad.code == 1 && bad.err.contains("not a UUID") && !bad.err.contains("not-a-uuid-secret"))
    }

    @Test("stats and export --remote ask the API with the key")
    func remoteDocuments() throws {
        let (home, _) = try Self.recordedSession()
        let server = try FakeAgentOps()
        var env = Harness.environment(home: home)
        env["AGENTOPS_API_KEY"] = Self.key
        env["AGENTOPS_API_ENDPOINT"] = server.endpoint
        let id = try #require(try LocalStore(home: home).sessionIDs().first?.value)
        let stats = Harness.run(Harness.agentops, ["stats", "last", "--remote"], environment: env)
        #expect(stats.code == 0, "\(stats.err)")
        #expect(try JSONParser.parse(stats.stdout)["cost"] == .number("0.0042"))
        // The local figure is beside it when they differ.
        #expect(stats.err.contains("local cost $0.001000 (the API's: $0.004200)"), "\(stats.err)")
        let export = Harness.run(Harness.agentops, ["export", String(id.prefix(6)), "--remote"], environment: env)
        #expect(try JSONParser.parse(export.stdout)["session"]?["id"] == .string(id))
        let requests = server.requests()
        #expect(requests.map { $0["path"]?.stringValue ?? "" } == ["/v2/sessions/\(id)/stats", "/v2/sessions/\(id)/export"])
        #expect(requests.allSatisfy { $0["method"] == .string("GET") && $0["headers"]?["x-agentops-api-key"] == .string(Self.key) })
        // The global --prices before the command is taken there too.
        let priced = Harness.run(Harness.agentops, ["--prices", "/nonexistent", "stats", "last", "--remote"],
                                 environment: env)
        #expect(priced.code == 0 && priced.stdout == stats.stdout)
        env["AGENTOPS_API_ENDPOINT"] = "http://127.0.0.1:9"
        #expect(Harness.run(Harness.agentops, ["stats", "last", "--remote"], environment: env).code == 1)
    }
}
