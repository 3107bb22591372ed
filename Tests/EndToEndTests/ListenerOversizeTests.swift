import AgentOpsKit
import Foundation
import Testing

/// An item the listener accepts but that is too large for a session log line (8 MiB) is
/// reported to the client, never dropped behind a plain 200.
@Suite("Items over the session log's line limit")
struct ListenerOversizeTests {
    @Test("OTLP answers partial_success naming the span; create_events is refused whole with a 400 naming the event")
    func oversizeIsReported() throws {
        let home = Harness.temporaryFolder()
        let (result, seen) = try Harness.probe("oversize_probe.py", home: home,
                                               extra: SDKListenerTests.offline(home), timeout: 120)
        func answer(_ key: String) throws -> (Int?, JSONValue) {
            let pair = seen[key]?.arrayValue ?? []
            let text = pair.count > 1 ? pair[1].stringValue ?? "" : ""
            return (pair.first?.intValue, text.isEmpty ? .null : try JSONParser.parse(text))
        }

        // OTLP: the big span is rejected by name, the small one recorded; a retry of the
        // batch is told the same (not taken for a copy already recorded).
        for key in ["otlp", "otlp_again"] {
            let (status, body) = try answer(key)
            #expect(status == 200, "\(key)")
            #expect(body["partialSuccess"]?["rejectedSpans"] == .string("1"), "\(key): \(body)")
            let message = body["partialSuccess"]?["errorMessage"]?.stringValue ?? ""
            #expect(message.contains("00f067aa0ba902b7") && message.contains("8388608"), "\(key): \(message)")
        }

        // create_events: all or none, as the AgentOps API takes a batch.
        let (status, refused) = try answer("create_events")
        #expect(status == 400)
        #expect(refused["path"] == .string("/v2/create_events"))
        let message = refused["message"]?.stringValue ?? ""
        #expect(message.contains("events[1]") && message.contains("8388608"), "\(message)")
        #expect(try answer("create_events_small").0 == 200)

        let export = try Harness.export(home: home)
        #expect(export.list("tools").isEmpty, "the oversized tool span must not be recorded")
        let actions = export.list("actions")
        #expect(actions.contains { $0["action_type"] == .string("agent") && $0["logs"] == .string("small") })
        let probes = export.list("errors").filter { $0["error_type"] == .string("probe") }
        #expect(probes.map { $0["id"] } == [.string("5b0e3a52-4c1f-4f0e-8d5a-6f1f6b2f0001")],
                "the refused batch left nothing; the small event alone was recorded once")
        #expect(result.err.contains("8 MiB"), "the wrapper warns once: \(result.err)")
    }
}
