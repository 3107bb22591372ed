import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Sessions to the AgentOps cloud over OTLP (`AGENTOPS_RUN_EXPORT=otlp`), against
/// `Fixtures/fake_agentops_cloud.py`, and sessions whose wrapper was killed, caught up
/// by `agentops sync` to both kinds of backend.
@Suite("The AgentOps cloud over OTLP, and sessions that never ended", .serialized)
struct AgentOpsCloudTests {
    static let script = "echo hello; echo oops >&2; agentops event llm --model gpt-4o-mini --prompt-tokens 10 "
        + "--completion-tokens 5; agentops event tool --name lookup --params '{\"q\": 1}'; exit 3"
    static var path: String { Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/bin") }

    static func cloud(_ mode: String = "ok") throws -> FakeAgentOps {
        try FakeAgentOps(mode: mode, script: "fake_agentops_cloud.py", arguments: [SyncTests.key])
    }

    static func environment(_ home: String, cloud: FakeAgentOps, key: String = SyncTests.key) -> [String: String] {
        Harness.environment(home: home, extra: [
            "PATH": path, "AGENTOPS_RUN_EXPORT": "otlp", "AGENTOPS_API_KEY": key,
            "AGENTOPS_API_ENDPOINT": cloud.endpoint, "AGENTOPS_EXPORTER_ENDPOINT": cloud.endpoint + "/v1/traces",
        ])
    }

    /// The spans the fake accepted, as it decoded them.
    static func acceptedSpans(_ server: FakeAgentOps) -> [JSONValue] {
        server.requests().filter { $0["path"] == .string("/v1/traces") && $0["status"] == .int(200) }
            .flatMap { $0["decoded"]?.arrayValue ?? [] }.flatMap { $0["spans"]?.arrayValue ?? [] }
    }

    static func sessionID(_ home: String) throws -> String {
        try #require((try Harness.export(home: home))["session"]?["id"]?.stringValue)
    }

    @Test("a run signs in at /v3/auth/token and sends its session as one trace with the bearer and project id")
    func healthy() throws {
        let home = Harness.temporaryFolder()
        let server = try Self.cloud()
        let result = Harness.run(Harness.agentopsRun, ["--strict", "sh", "-c", Self.script],
                                 environment: Self.environment(home, cloud: server), timeout: 60)
        #expect(result.code == 3, "\(result.err)")
        #expect(result.out == "hello\n")
        #expect(!result.err.contains("warning"), "\(result.err)")
        let requests = server.requests()
        #expect(requests.compactMap { $0["path"]?.stringValue } == ["/v3/auth/token", "/v1/traces"], "\(requests)")
        #expect(requests.first?["body"] == .object([("api_key", .string(SyncTests.key))]))
        let traces = try #require(requests.last)
        #expect(traces["status"] == .int(200))
        #expect(traces["headers"]?["authorization"] == .string("Bearer jwt-1"))
        #expect(traces["headers"]?["content-type"] == .string("application/x-protobuf"))
        #expect(traces["headers"]?["content-encoding"] == nil, "the SDK sends no Content-Encoding")
        let resource = try #require(traces["decoded"]?.arrayValue?.first?["resource"])
        #expect(resource["agentops.project.id"] == .string("proj-e2e"))
        #expect(resource["service.name"] == .string("agentops-run"))

        let id = try Self.sessionID(home).filter { $0 != "-" }
        let spans = Self.acceptedSpans(server)
        #expect(spans.count == 3)
        #expect(spans.allSatisfy { $0["trace_id"]?.stringValue == id })
        let root = try #require(spans.first { $0["parent_span_id"] == nil })
        #expect(root["attributes"]?["agentops.session.end_state"] == .string("Fail"))
        #expect(root["status_code"] == .int(2))
        #expect(spans.contains { $0["name"] == .string("chat gpt-4o-mini") })

        // The v2 upload is not made, and the session counts as uploaded.
        let listed = try JSONParser.parse(Harness.tool(["sessions", "--json"], home: home).stdout)
        #expect(listed.arrayValue?.first?["uploaded"] == .null, "v2 (the default) never had it")
        var env = Self.environment(home, cloud: server)
        let otlpListed = Harness.run(Harness.agentops, ["sessions", "--json"], environment: env)
        #expect(try JSONParser.parse(otlpListed.stdout).arrayValue?.first?["uploaded"] == .bool(true))
        env["AGENTOPS_RUN_EXPORT"] = "grpc"
        let bad = Harness.run(Harness.agentops, ["sync"], environment: env)
        #expect(bad.code == 2)
        #expect(bad.err == "agentops: invalid value 'grpc' for AGENTOPS_RUN_EXPORT: expected v2 or otlp\n",
                "\(bad.err)")
    }

    @Test("an expired token (401) signs in again once; the batch goes through with the new one")
    func expiredToken() throws {
        let home = Harness.temporaryFolder()
        let server = try Self.cloud("expire-token")
        let result = Harness.run(Harness.agentopsRun, ["--strict", "sh", "-c", Self.script],
                                 environment: Self.environment(home, cloud: server), timeout: 60)
        #expect(result.code == 3, "\(result.err)")
        let requests = server.requests()
        #expect(requests.map { "\($0["path"]?.stringValue ?? "") \($0["status"]?.intValue ?? 0)" }
            == ["/v3/auth/token 200", "/v1/traces 401", "/v3/auth/token 200", "/v1/traces 200"], "\(requests)")
        #expect(requests.last?["headers"]?["authorization"] == .string("Bearer jwt-2"))
        #expect(Self.acceptedSpans(server).count == 3)
    }

    @Test("a token refused again after signing in once more: one warning, no loop, the exit unchanged")
    func tokenRefusedTwice() throws {
        let home = Harness.temporaryFolder()
        let server = try Self.cloud("reject-tokens")
        let result = Harness.run(Harness.agentopsRun, ["sh", "-c", "echo hi; exit 5"],
                                 environment: Self.environment(home, cloud: server), timeout: 60)
        #expect(result.code == 5)
        #expect(result.out == "hi\n")
        let warnings = result.err.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1, "\(result.err)")
        #expect(warnings.first?.contains("refused a new token from /v3/auth/token (HTTP 401)") == true, "\(result.err)")
        #expect(server.requests().map { "\($0["path"]?.stringValue ?? "") \($0["status"]?.intValue ?? 0)" }
            == ["/v3/auth/token 200", "/v1/traces 401", "/v3/auth/token 200", "/v1/traces 401"])
    }

    @Test("a 503 with Retry-After, then 200: every span once, and sync has nothing left to send")
    func unavailableOnce() throws {
        let home = Harness.temporaryFolder()
        let server = try Self.cloud("unavailable-once")
        let env = Self.environment(home, cloud: server)
        let result = Harness.run(Harness.agentopsRun, ["--strict", "sh", "-c", Self.script], environment: env,
                                 timeout: 60)
        #expect(result.code == 3, "\(result.err)")
        let traces = server.requests().filter { $0["path"] == .string("/v1/traces") }
        #expect(traces.map { $0["status"] } == [.int(503), .int(200)])
        #expect(traces.first?["body_hex"] == traces.last?["body_hex"], "the same batch, sent again")
        let spans = Self.acceptedSpans(server)
        #expect(spans.count == 3)
        #expect(Set(spans.compactMap { $0["span_id"]?.stringValue }).count == 3)

        let again = Harness.run(Harness.agentops, ["sync"], environment: env)
        #expect(again.code == 0, "\(again.err)")
        #expect(server.requests().count == traces.count + 1, "no new request after the sign-in and the two posts")
    }

    @Test("a key the API refuses: one warning line, output and exit unchanged, --strict exits 75, sync later")
    func refusedKey() throws {
        let home = Harness.temporaryFolder()
        let server = try Self.cloud()
        let wrong = "00000000-1111-4222-8333-444444444444"
        let env = Self.environment(home, cloud: server, key: wrong)
        let result = Harness.run(Harness.agentopsRun, ["sh", "-c", Self.script], environment: env, timeout: 60)
        #expect(result.code == 3)
        #expect(result.out == "hello\n")
        let warnings = result.err.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1, "\(result.err)")
        #expect(warnings.first?.contains("AgentOps API (OTLP): the AgentOps API refused the key (HTTP 403)") == true,
                "\(result.err)")
        #expect(!result.err.contains(wrong), "the key is never printed")
        #expect(!server.requests().contains { $0["path"] == .string("/v1/traces") })

        let strict = Harness.run(Harness.agentopsRun, ["--strict", "true"], environment: env, timeout: 60)
        #expect(strict.code == ExitCodes.telemetry, "\(strict.err)")

        let sync = Harness.run(Harness.agentops, ["sync"], environment: Self.environment(home, cloud: server))
        #expect(sync.code == 0, "\(sync.err)")
        #expect(sync.err.contains("exported 4 spans of 2 sessions to the AgentOps API over OTLP"), "\(sync.err)")
    }

    @Test("a wrapper killed with SIGKILL: sync waits while it may run, then exports it Indeterminate to both kinds")
    func killedWrapper() throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let api = try FakeAgentOps()
        let collector = try FakeAgentOps(script: "fake_otlp.py")
        let script = "echo before; agentops event llm --model gpt-4o-mini --prompt-tokens 10 --completion-tokens 5; "
            + "echo $$ > \(ready).tmp; mv \(ready).tmp \(ready); exec sleep 30"
        // Recorded with no backend, as on a laptop offline.
        let killed = Harness.killedOnceReady(["sh", "-c", script], ready: ready, after: 0.3,
                                             environment: Harness.environment(home: home, extra: ["PATH": Self.path]))
        #expect(killed.signal == SIGKILL)
        let log = try Self.sessionLog(home)
        let recorded = try String(contentsOfFile: log, encoding: .utf8)

        var env = Harness.environment(home: home, extra: ["OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint])
        env["AGENTOPS_API_KEY"] = SyncTests.key
        env["AGENTOPS_API_ENDPOINT"] = api.endpoint
        // Written a moment ago: it may still be running, so no end is made up yet.
        let early = Harness.run(Harness.agentops, ["sync"], environment: env, timeout: 60)
        #expect(!api.requests().contains { $0["body"]?["session"]?["end_state"] == .string("Indeterminate")
            && $0["path"] == .string("/v2/update_session") })
        #expect(collector.requests().isEmpty, "\(early.err)")

        // A minute and more later (the log's time set back), nothing will end it.
        var times = [timespec(tv_sec: time(nil) - 120, tv_nsec: 0), timespec(tv_sec: time(nil) - 120, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, log, &times, 0) == 0)
        // `agentops export` gives it the end sync gives it, in both OTLP encodings.
        let exported = Harness.run(Harness.agentops, ["export", "last", "--format", "otlp"], environment: env)
        #expect(exported.code == 0, "\(exported.err)")
        let exportedRoot = try #require(try OTLPTraceRequest(protobuf: exported.stdout).resourceSpans
            .flatMap { $0.scopeSpans.flatMap(\.spans) }.first { $0.parentSpanID == nil })
        #expect(exportedRoot.string("agentops.session.end_state") == "Indeterminate")
        #expect(exportedRoot.string("agentops.session.end_state_reason")?.contains("the recording process is gone")
            == true)
        let exportedJSON = Harness.run(Harness.agentops, ["export", "last", "--format", "otlp-json"], environment: env)
        let endState = #""key":"agentops.session.end_state","value":{"stringValue":"Indeterminate"}"#
        #expect(exportedJSON.out.contains(endState),
                "\(exportedJSON.out.suffix(2000))")
        let sync = Harness.run(Harness.agentops, ["sync"], environment: env, timeout: 60)
        #expect(sync.code == 0, "\(sync.err)")
        // The summary says what this sync did: no events left to send, but the session's end.
        #expect(sync.err.contains("uploaded 0 events of 1 session, and closed it as Indeterminate: no end was recorded"
            + " and its recording process is gone"), "\(sync.err)")
        #expect(sync.err.contains("spans of 1 session to OTLP, and closed it as Indeterminate"), "\(sync.err)")
        let update = try #require(api.requests().last { $0["path"] == .string("/v2/update_session") })
        #expect(update["body"]?["session"]?["end_state"] == .string("Indeterminate"))
        #expect(update["body"]?["session"]?["end_state_reason"]?.stringValue?
            .contains("the recording process is gone") == true, "\(update)")
        #expect(update["body"]?["session"]?["end_timestamp"]?.stringValue != nil)
        let spans = try OTLPExportTests.accepted(collector)
            .flatMap { $0.resourceSpans.flatMap { $0.scopeSpans.flatMap(\.spans) } }
        let root = try #require(spans.first { $0.parentSpanID == nil })
        #expect(root.string("agentops.session.end_state") == "Indeterminate")
        #expect(root.status.code == OTLPStatus.Code.unset)
        #expect(root == exportedRoot, "the file and the backend have the same root span")
        #expect(spans.contains { $0.name == "chat gpt-4o-mini" })

        // The log is as the kill left it; a second sync sends nothing.
        #expect(try String(contentsOfFile: log, encoding: .utf8) == recorded)
        let (apiCount, collectorCount) = (api.requests().count, collector.requests().count)
        let again = Harness.run(Harness.agentops, ["sync"], environment: env, timeout: 60)
        #expect(again.code == 0, "\(again.err)")
        #expect(api.requests().count == apiCount && collector.requests().count == collectorCount)
        let sessions = Harness.run(Harness.agentops, ["sessions", "--json"], environment: env)
        let listed = try JSONParser.parse(sessions.stdout)
        #expect(listed.arrayValue?.first?["uploaded"] == .bool(true))
        #expect(listed.arrayValue?.first?["end_state"] == .string("Indeterminate"))
    }

    /// The one session log in the store at `home`.
    static func sessionLog(_ home: String) throws -> String {
        let folder = home + "/sessions"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jsonl") }
        try #require(names.count == 1, "\(names)")
        return folder + "/" + names[0]
    }
}
