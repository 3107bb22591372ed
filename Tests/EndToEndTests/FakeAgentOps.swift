import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The fake AgentOps API of `Fixtures/fake_agentops.py`, running in the background.
final class FakeAgentOps {
    let endpoint: String
    private let log: String
    private let server: FixtureServer

    /// Starts the server in `mode` and waits for its port (`script`: another fake of
    /// the same shape, such as `fake_otlp.py`, given `arguments` after the mode).
    init(mode: String = "ok", script name: String = "fake_agentops.py", arguments: [String] = []) throws {
        let folder = Harness.temporaryFolder()
        log = folder + "/requests.jsonl"
        server = try FixtureServer(name, [log, mode] + arguments)
        endpoint = "http://127.0.0.1:\(server.port)"
    }

    /// Every answered request so far: `method`, `path`, `status`, `headers` (lowercase
    /// names), `body`.
    func requests() -> [JSONValue] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    /// The ids of all events it accepted (answered 200), with repeats.
    func eventIDs() -> [String] {
        requests().filter { $0["path"] == .string("/v2/create_events") && $0["status"] == .int(200) }
            .flatMap { $0["body"]?["events"]?.arrayValue ?? [] }.compactMap { $0["id"]?.stringValue }
    }
}
