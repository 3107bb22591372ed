import Foundation
import Glibc
import Testing
import TestSupport
@testable import AgentOpsKit
@testable import AgentOpsSync

@Suite("AgentOps transport and abandoned sessions")
struct AgentOpsTransportTests {
    @Test("AGENTOPS_RUN_EXPORT: unset or empty is v2, otlp in any case, anything else a usage error")
    func transport() throws {
        #expect(try AgentOpsTransport(environment: [:]) == .v2)
        #expect(try AgentOpsTransport(environment: ["AGENTOPS_RUN_EXPORT": ""]) == .v2)
        #expect(try AgentOpsTransport(environment: ["AGENTOPS_RUN_EXPORT": " OTLP "]) == .otlp)
        #expect(AgentOpsTransport.v2.exporter == "sync" && AgentOpsTransport.otlp.exporter == "agentops-otlp")
        #expect(throws: UsageError.self) { try AgentOpsTransport(environment: ["AGENTOPS_RUN_EXPORT": "grpc"]) }
        do {
            _ = try AgentOpsTransport(environment: ["AGENTOPS_RUN_EXPORT": "v3"])
        } catch {
            #expect("\(error)" == "invalid value 'v3' for AGENTOPS_RUN_EXPORT: expected v2 or otlp")
        }
    }

    @Test("the cloud's traces URL: the SDK's default or the variable as given; never the collector's headers")
    func tracesConfiguration() throws {
        let collector = ["OTEL_EXPORTER_OTLP_HEADERS": "x-honeycomb-team=secret",
                         "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"]
        let defaulted = try AgentOpsTransport.tracesConfiguration(environment: collector)
        #expect(defaulted == OTLPConfiguration(endpoint: "https://otlp.agentops.ai/v1/traces"))
        #expect(defaulted.headers.isEmpty && !defaulted.gzip && defaulted.encoding == .protobuf)
        let given = try AgentOpsTransport.tracesConfiguration(
            environment: ["AGENTOPS_EXPORTER_ENDPOINT": "http://127.0.0.1:4318/custom/path"])
        #expect(given.endpoint == "http://127.0.0.1:4318/custom/path", "used exactly as given")
        for bad in ["ftp://example.com/v1/traces", "otlp.agentops.ai", "http://"] {
            #expect(throws: APIConfiguration.Problem.badExporterEndpoint(bad)) {
                try AgentOpsTransport.tracesConfiguration(environment: ["AGENTOPS_EXPORTER_ENDPOINT": bad])
            }
        }
    }

    @Test("the project id joins each resource once, and a project id the user set stays")
    func projectAttribute() {
        let plain = OTLPResourceSpans(resource: OTLPResource(attributes: [OTLPKeyValue("service.name", .string("a"))]))
        let own = OTLPResourceSpans(resource: OTLPResource(attributes: [OTLPKeyValue("agentops.project.id",
                                                                                    .string("mine"))]))
        let request = OTLPTraceRequest(resourceSpans: [plain, own]).addingProject("p-1")
        #expect(request.resourceSpans[0].resource.attributes.string("agentops.project.id") == "p-1")
        #expect(request.resourceSpans[0].resource.attributes.count == 2)
        #expect(request.resourceSpans[1].resource.attributes.map(\.key) == ["agentops.project.id"])
        #expect(request.resourceSpans[1].resource.attributes.string("agentops.project.id") == "mine")
    }

    /// A log file whose last write was `age` seconds ago, and a summary of a session in it.
    static func log(age: Int) throws -> (path: String, summary: SessionSummary) {
        let path = ScratchFolder.make("abandoned") + "/session.jsonl"
        try #require(FileManager.default.createFile(atPath: path, contents: Data("{}\n".utf8)))
        var times = [timespec(tv_sec: time(nil) - age, tv_nsec: 500_000_000),
                     timespec(tv_sec: time(nil) - age, tv_nsec: 500_000_000)]
        try #require(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let start = Timestamp(microseconds: Int64(time(nil) - age - 30) * 1_000_000)
        let session = Session(id: .random(), initTimestamp: start, tags: [], hostEnv: .null, command: ["agent"])
        return (path, SessionSummary(session: session))
    }

    @Test("a session not running and not ended gets an Indeterminate end at its log's last write")
    func abandoned() throws {
        let idle = SessionActivity(scanProcesses: false)
        let (path, summary) = try Self.log(age: 120)
        defer { unlink(path) }
        let end = try #require(AbandonedSession.closing(summary, path: path, activity: idle))
        #expect(end.state == .indeterminate)
        let written = Int64(time(nil) - 120) * 1_000_000 + 500_000
        #expect(abs(end.timestamp.microseconds - written) <= 1_000_000, "the log's last write, to the microsecond")
        #expect(end.reason.hasPrefix("No end was recorded: the recording process is gone"))
        #expect(end.exitCode == nil && end.signal == nil)

        var declared = summary
        declared.declared = StoreRecord.DeclaredEnd(timestamp: summary.session.initTimestamp, state: .fail,
                                                    reason: "tests failed")
        let failed = try #require(AbandonedSession.closing(declared, path: path, activity: idle))
        #expect(failed.state == .fail)
        #expect(failed.reason.hasPrefix("Declared Fail: tests failed; No end was recorded"))
    }

    @Test("no made-up end for a session that ended, was written in the last minute, or has no log")
    func notAbandoned() throws {
        let idle = SessionActivity(scanProcesses: false)
        let (recentPath, recent) = try Self.log(age: 5)
        defer { unlink(recentPath) }
        #expect(AbandonedSession.closing(recent, path: recentPath, activity: idle) == nil, "written 5 s ago")

        let (oldPath, old) = try Self.log(age: 120)
        defer { unlink(oldPath) }
        var ended = old
        ended.apply(.end(StoreRecord.EndRecord(timestamp: .now(), state: .success, reason: "done")))
        #expect(AbandonedSession.closing(ended, path: oldPath, activity: idle) == nil)
        #expect(AbandonedSession.closing(old, path: oldPath + ".missing", activity: idle) == nil)
    }

    @Test("sync's summary names the sessions it closed, and their state")
    func closedNote() {
        #expect(SyncCommand.closedNote([], of: 3) == "")
        #expect(SyncCommand.closedNote([.indeterminate], of: 1)
            == ", and closed it as Indeterminate: no end was recorded and its recording process is gone")
        #expect(SyncCommand.closedNote([.indeterminate], of: 4)
            == ", and closed 1 of them as Indeterminate: no end was recorded and its recording process is gone")
        #expect(SyncCommand.closedNote([.fail, .indeterminate, .fail], of: 3)
            == ", and closed them as Indeterminate or Fail: no end was recorded and their recording processes are gone")
    }
}
