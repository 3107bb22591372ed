import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// agentops-run with AGENTOPS_API_KEY: the session also goes to the API, and a failing
/// backend changes nothing for the command.
@Suite("Runs with the AgentOps API", .serialized)
struct RemoteRunTests {
    static let script = "echo hello; echo oops >&2; sleep 0.3; echo bye; exit 3"

    static func wrap(_ arguments: [String], home: String, endpoint: String,
                     key: String = SyncTests.key) -> Harness.Result {
        Harness.wrap(arguments, home: home, extra: ["AGENTOPS_API_KEY": key, "AGENTOPS_API_ENDPOINT": endpoint],
                     timeout: 60)
    }

    static func localEventIDs(_ home: String) throws -> Set<String> {
        let export = try Harness.export(home: home)
        return Set(["actions", "llms", "tools", "errors"].flatMap { export.list($0) }.compactMap { $0["id"]?.stringValue })
    }

    @Test("the session, its events and its end reach the API; the cost shown is the server's")
    func healthy() throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps()
        let result = Self.wrap(["--event-window", "0", "sh", "-c", Self.script], home: home, endpoint: server.endpoint)
        #expect(result.code == 3)
        #expect(result.out == "hello\nbye\n")
        #expect(Set(server.eventIDs()) == (try Self.localEventIDs(home)))
        let last = try #require(server.requests().last)
        #expect(last["path"] == .string("/v2/update_session"))
        #expect(last["body"]?["session"]?["end_state"] == .string("Fail"))
        #expect(result.err.contains("| Cost: $0.004200 (local $0.00) |"), "\(result.err)")
        #expect(!result.err.contains("warning"))
    }

    @Test("a failing backend: same output and exit, done within the flush timeout, one warning, nothing lost",
          arguments: ["refused", "blackhole", "slow", "invalid-json"])
    func failingBackend(mode: String) throws {
        let home = Harness.temporaryFolder()
        let server = mode == "refused" ? nil : try FakeAgentOps(mode: mode)
        let result = Self.wrap(["--flush-timeout", "1s", "sh", "-c", Self.script], home: home,
                               endpoint: server?.endpoint ?? "http://127.0.0.1:9")
        #expect(result.code == 3)
        #expect(result.out == "hello\nbye\n")
        #expect(result.err.hasPrefix("oops\n"))
        #expect(result.seconds < 4, "took \(result.seconds) s")
        let warnings = result.err.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1 && warnings[0].contains("AgentOps API"), "\(result.err)")

        let listed = try JSONParser.parse(Harness.tool(["sessions", "--json"], home: home).stdout)
        #expect(listed.arrayValue?.first?["uploaded"] == .bool(false))
        #expect(Harness.tool(["sessions"], home: home).out.contains(" no "))

        let healthy = try FakeAgentOps()
        var env = Harness.environment(home: home)
        env["AGENTOPS_API_KEY"] = SyncTests.key
        env["AGENTOPS_API_ENDPOINT"] = healthy.endpoint
        #expect(Harness.run(Harness.agentops, ["sync"], environment: env, timeout: 60).code == 0)
        let delivered = (server?.eventIDs() ?? []) + healthy.eventIDs()
        #expect(Set(delivered) == (try Self.localEventIDs(home)))
        #expect(healthy.eventIDs().count == Set(healthy.eventIDs()).count)
        let after = try JSONParser.parse(Harness.tool(["sessions", "--json"], home: home).stdout)
        #expect(after.arrayValue?.first?["uploaded"] == .bool(true))
    }

    @Test("--strict: a failed upload exits 75 when the command succeeded, never hides its failure")
    func strict() throws {
        let home = Harness.temporaryFolder()
        let ok = Self.wrap(["--strict", "--flush-timeout", "0.5", "true"], home: home, endpoint: "http://127.0.0.1:9")
        #expect(ok.code == ExitCodes.telemetry)
        let failing = Self.wrap(["--strict", "--flush-timeout", "0.5", "sh", "-c", "exit 4"], home: home,
                                endpoint: "http://127.0.0.1:9")
        #expect(failing.code == 4)
        let server = try FakeAgentOps()
        #expect(Self.wrap(["--strict", "true"], home: home, endpoint: server.endpoint).code == 0)
        // An endpoint that is no URL: nothing can be uploaded, which --strict counts.
        let unusable = Self.wrap(["--strict", "true"], home: home, endpoint: "127.0.0.1:9")
        #expect(unusable.code == ExitCodes.telemetry && unusable.err.contains("recording locally only"))
    }

    @Test("SIGTERM after the command ended cuts the wait for the upload short; the session stays local")
    func signalDuringFlush() throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps(mode: "blackhole")
        let started = Date()
        let result = Harness.wrap(["--strict", "--flush-timeout", "30", "sh", "-c", "echo done"], home: home,
                                  extra: ["AGENTOPS_API_KEY": SyncTests.key, "AGENTOPS_API_ENDPOINT": server.endpoint],
                                  timeout: 60) { pid in
            // The command ends at once; the wrapper is then waiting on the silent API.
            usleep(1_500_000)
            kill(pid, SIGTERM)
        }
        let took = Date().timeIntervalSince(started)
        #expect(took < 15, "took \(took) s: the wait lasted the flush timeout")
        #expect(result.out == "done\n")
        #expect(result.code == ExitCodes.telemetry, "\(result.err)")
        #expect(result.err.contains("the upload was cut short by SIGTERM"), "\(result.err)")
        let export = try Harness.export(home: home)
        #expect(export["session"]?["end_state"] == .string("Success"))
    }

    @Test("a malformed key: one warning, the run goes on locally")
    func malformedKey() throws {
        let home = Harness.temporaryFolder()
        let result = Self.wrap(["sh", "-c", "echo fine"], home: home, endpoint: "http://127.0.0.1:9", key: "secret-xyz")
        #expect(result.code == 0 && result.out == "fine\n")
        #expect(result.err.contains("AGENTOPS_API_KEY is not a UUID") && !result.err.contains("secret-xyz"))
        #expect(try LocalStore(home: home).sessionIDs().count == 1)
    }

    @Test("500s and an expired JWT during a run: retried, the run unchanged, every event once",
          arguments: ["fail-first-3", "expire-jwt"])
    func retriedDuringRun(mode: String) throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps(mode: mode)
        let result = Self.wrap(["sh", "-c", Self.script], home: home, endpoint: server.endpoint)
        #expect(result.code == 3 && result.out == "hello\nbye\n")
        #expect(!result.err.contains("warning"), "\(result.err)")
        #expect(server.eventIDs().sorted() == (try Self.localEventIDs(home)).sorted())
    }

    @Test("the next run uploads what an earlier run left unsent")
    func nextRunCatchesUp() throws {
        let home = Harness.temporaryFolder()
        _ = Self.wrap(["--flush-timeout", "0.5", "sh", "-c", "echo first"], home: home, endpoint: "http://127.0.0.1:9")
        let first = try #require(try LocalStore(home: home).sessionIDs().first)
        let firstEvents = try Self.localEventIDs(home)
        let server = try FakeAgentOps()
        let second = Self.wrap(["sh", "-c", "echo second"], home: home, endpoint: server.endpoint)
        #expect(second.code == 0 && !second.err.contains("warning"))
        let deadline = Date().addingTimeInterval(20)
        while !SyncState.isUploaded(first, store: LocalStore(home: home)), Date() < deadline { usleep(50_000) }
        #expect(SyncState.isUploaded(first, store: LocalStore(home: home)))
        #expect(firstEvents.isSubset(of: Set(server.eventIDs())))
        #expect(server.eventIDs().count == Set(server.eventIDs()).count)
    }
}
