import Foundation
import Testing
@testable import AgentOpsKit

/// The AgentOps v2 calls take their JSON uncompressed (the SDK 0.3 `HttpClient` sends no
/// `Content-Encoding`): a compressed body is told 415 with the reason, as the OTLP route
/// does for an encoding it does not know, not 400 "not JSON" (found by a hostile pass).
@Suite("Content-Encoding on the SDK listener's v2 calls")
struct ListenerEncodingTests {
    @Test("a gzip'd or deflated v2 call gets 415 and is not recorded; plain and identity bodies are")
    func compressedV2Calls() throws {
        let home = Harness.temporaryFolder()
        let (_, seen) = try Harness.probe("encoding_probe.py", home: home, extra: OTelIngestTests.offline(home))
        func answer(_ key: String) -> (status: Int?, message: String) {
            let item = seen[key]?.arrayValue ?? []
            return (item.first?.intValue, item.count > 1 ? item[1].stringValue ?? "" : "")
        }
        for (key, coding) in [("gzip_events", "gzip"), ("deflate_events", "deflate"), ("identity_then_gzip", "gzip"),
                              ("gzip_session", "gzip")] {
            let (status, message) = answer(key)
            #expect(status == 415, "\(key): \(seen[key] ?? .null)")
            #expect(message == "Content-Encoding \(coding) is not supported here: "
                + "the AgentOps v2 calls take their JSON body uncompressed", "\(key): \(message)")
        }
        #expect(answer("gzip_without_key").status == 401, "the key is asked for first")
        #expect(answer("identity_events").status == 200 && answer("plain_events").status == 200, "\(seen)")
        let logged = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logged.contains("plain-event") && logged.contains("identity-event"), "\(logged)")
        #expect(!logged.contains { $0.hasSuffix("-event") && !["plain-event", "identity-event"].contains($0) },
                "\(logged)")
    }
}
