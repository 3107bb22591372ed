import AgentOpsKit
import Foundation
import Testing

/// What an ordinary HTTP client sees when the listener refuses its request: the answer
/// (413 and its message), never a connection reset under it; and a gzip bomb is refused
/// quickly.
@Suite("Listener refusals reach the client")
struct ListenerRefusalTests {
    @Test("bodies over a limit get a readable 413 (urllib), a 16 MiB gzip bomb a quick 413, the listener goes on")
    func refusalsAreAnswered() throws {
        let home = Harness.temporaryFolder()
        let (_, seen) = try Harness.probe("refusal_probe.py", home: home, extra: OTelIngestTests.offline(home),
                                          timeout: 120)
        func answer(_ key: String) -> (status: Int?, message: String, seconds: Double) {
            let item = seen[key]?.arrayValue ?? []
            var seconds = Double.infinity
            if item.count > 2, case let .number(text) = item[2] { seconds = Double(text) ?? .infinity }
            return (item.first?.intValue, item.count > 1 ? item[1].stringValue ?? "" : "", seconds)
        }
        let limits = [("otlp_over_limit", 16 << 20), ("over_listener_limit", 32 << 20),
                      ("create_events_over_limit", 8 << 20)]
        for (key, limit) in limits {
            let (status, message, _) = answer(key)
            #expect(status == 413, "\(key): \(seen[key] ?? .null)")
            #expect(message.contains("over \(limit) bytes"), "\(key): \(message)")
        }
        #expect(answer("unauthorised_with_body").status == 401, "\(seen["unauthorised_with_body"] ?? .null)")
        let bomb = answer("bomb")
        #expect(bomb.status == 413 && bomb.message.contains("inflates to more than"), "\(seen["bomb"] ?? .null)")
        // Sending 16 MiB and inflating 16 MiB of it: well under a second even in a debug
        // build (it was 5–7 s when runs of a match were copied byte by byte).
        #expect(bomb.seconds < 3, "the bomb took \(bomb.seconds) s to refuse")
        let smallBomb = answer("small_bomb")
        #expect(smallBomb.status == 413 && smallBomb.seconds < 3, "\(seen["small_bomb"] ?? .null)")
        for key in ["all_taken_10", "all_taken_100000"] {
            let (status, message, _) = answer(key)
            #expect(status == 503 && message.contains("too many connections"), "\(key): \(seen[key] ?? .null)")
        }
        #expect(answer("good_after").status == 200)
        let export = try Harness.export(home: home)
        #expect(export.list("tools").map { $0["name"] } == [.string("after")])
    }
}
