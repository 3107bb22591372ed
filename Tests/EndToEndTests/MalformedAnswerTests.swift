import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A backend that answers, but not in HTTP one can read (a status line or framing that
/// does not parse, a banner of another protocol): retrying gets the same answer, so the
/// export stops at its first one with the reason, and what was not acknowledged stays
/// for a later `agentops sync` (found by a hostile pass: `sync` retried until `--timeout`).
@Suite("Malformed answers from a backend", .serialized)
struct MalformedAnswerTests {
    /// A later sync against a good server sends everything.
    @Test("agentops sync stops at the first malformed answer of the AgentOps API and says why in one line",
          arguments: [
        ("bad-status", "malformed HTTP answer (status line)"),
        ("bad-framing", "malformed HTTP answer (Content-Length)"),
        ("not-http", "malformed HTTP answer (status line)"),
    ])
    func syncStopsAtOnce(mode: String, reason: String) throws {
        let (home, ids) = try SyncTests.recordedSession()
        let broken = try FakeAgentOps(mode: mode)
        let failed = SyncTests.sync(home, endpoint: broken.endpoint, arguments: ["--timeout", "60s"])
        #expect(failed.code == 1)
        #expect(failed.seconds < 10, "\(failed.seconds) s: retried towards --timeout 60s")
        #expect(failed.err.split(separator: "\n").count == 1, "one line: \(failed.err)")
        #expect(failed.err.contains("AgentOps API: \(reason); not retried"), "\(failed.err)")
        #expect(failed.err.contains("1 session not fully uploaded, kept locally"), "\(failed.err)")
        #expect(broken.requests().filter { $0["status"] == .string("malformed") }.count == 1, "asked once")

        let healthy = try FakeAgentOps()
        let later = SyncTests.sync(home, endpoint: healthy.endpoint)
        #expect(later.code == 0, "\(later.err)")
        #expect(Set(broken.eventIDs() + healthy.eventIDs()) == ids)
        #expect(healthy.eventIDs().count == Set(healthy.eventIDs()).count, "each event once")
        #expect(healthy.requests().last?["path"] == .string("/v2/update_session"))
    }

    /// An `https://` endpoint on a port that speaks plain HTTP: OpenSSL reads the HTTP
    /// answer to its hello as a record of an unknown version, and so would every retry
    /// (found by a hostile pass: `sync` retried until `--timeout`).
    @Test("agentops sync to https:// on a plain-HTTP port stops at once and says why in one line")
    func syncStopsAtPlainHTTP() throws {
        let (home, ids) = try SyncTests.recordedSession()
        let plain = try FakeAgentOps()
        let endpoint = "https://" + plain.endpoint.dropFirst("http://".count)
        let failed = SyncTests.sync(home, endpoint: endpoint, arguments: ["--timeout", "60s"])
        #expect(failed.code == 1)
        #expect(failed.seconds < 10, "\(failed.seconds) s: retried towards --timeout 60s")
        #expect(failed.err.split(separator: "\n").count == 1, "one line: \(failed.err)")
        #expect(failed.err.contains("wrong version number; not retried"), "\(failed.err)")
        #expect(failed.err.contains("1 session not fully uploaded, kept locally"), "\(failed.err)")

        let later = SyncTests.sync(home, endpoint: plain.endpoint)
        #expect(later.code == 0, "\(later.err)")
        #expect(Set(plain.eventIDs()) == ids)
    }

    /// The background upload gives up at once, with its one warning, and the run does not
    /// wait out `--flush-timeout`; `agentops sync` sends it all later.
    @Test("a run whose upload gets a malformed answer: output and status unchanged, one warning, no wait")
    func runGivesUpAtOnce() throws {
        let home = Harness.temporaryFolder()
        let broken = try FakeAgentOps(mode: "bad-status")
        let extra = ["AGENTOPS_API_KEY": SyncTests.key, "AGENTOPS_API_ENDPOINT": broken.endpoint]
        let run = Harness.wrap(["-q", "--strict", "--flush-timeout", "30s", "sh", "-c", "echo hello; exit 3"],
                               home: home, extra: extra)
        #expect(run.code == 3, "\(run.err)")
        #expect(run.out == "hello\n")
        #expect(run.seconds < 15, "\(run.seconds) s: waited for --flush-timeout 30s")
        let warnings = run.err.split(separator: "\n")
        #expect(warnings.count == 1, "one warning: \(run.err)")
        #expect(run.err.contains("malformed HTTP answer (status line); not retried"), "\(run.err)")

        let healthy = try FakeAgentOps()
        let later = SyncTests.sync(home, endpoint: healthy.endpoint)
        #expect(later.code == 0, "\(later.err)")
        let recorded = try Harness.export(home: home)["actions"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(!(recorded ?? []).isEmpty && Set(healthy.eventIDs()).isSuperset(of: recorded ?? []))
        #expect(healthy.requests().last?["body"]?["session"]?["end_state"] == .string("Fail"))
    }

    /// A later sync exports the session to a good collector.
    @Test("an OTLP collector whose answer's framing does not parse: sync stops at once")
    func otlpStopsAtOnce() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "sh", "-c", "echo hello"], home: home)
        let broken = try FakeAgentOps(mode: "bad-framing", script: "fake_otlp.py")
        let env = Harness.environment(home: home, extra: ["OTEL_EXPORTER_OTLP_ENDPOINT": broken.endpoint])
        let failed = Harness.run(Harness.agentops, ["sync", "--timeout", "60s"], environment: env, timeout: 90)
        #expect(failed.code == 1)
        #expect(failed.seconds < 10, "\(failed.seconds) s")
        #expect(failed.err.split(separator: "\n").count == 1, "one line: \(failed.err)")
        #expect(failed.err.contains("OTLP: \(broken.endpoint)/v1/traces: malformed HTTP answer (Transfer-Encoding);"
            + " not retried"), "\(failed.err)")
        #expect(broken.requests().count == 1)

        let healthy = try FakeAgentOps(script: "fake_otlp.py")
        let good = Harness.environment(home: home, extra: ["OTEL_EXPORTER_OTLP_ENDPOINT": healthy.endpoint])
        let later = Harness.run(Harness.agentops, ["sync"], environment: good)
        #expect(later.code == 0, "\(later.err)")
        #expect(healthy.requests().map { $0["status"] } == [.int(200)])
    }
}
