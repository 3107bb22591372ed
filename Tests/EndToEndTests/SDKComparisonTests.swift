import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// What agentops-run sends, compared with what the real AgentOps Python SDK
/// (agentops==0.3.26, installed by .ci/run) sends for the same session.
@Suite("Same wire as the AgentOps SDK", .serialized)
struct SDKComparisonTests {
    /// The keys the AgentOps server reads (app/api v2 routes and event handlers).
    static let sessionKeys = ["session_id", "init_timestamp", "end_timestamp", "tags", "end_state", "end_state_reason",
                              "video", "host_env"]
    static let eventKeys: [String: [String]] = [
        "actions": ["id", "event_type", "init_timestamp", "end_timestamp", "agent_id", "action_type", "logs",
                    "screenshot", "params", "returns"],
        "tools": ["id", "event_type", "init_timestamp", "end_timestamp", "agent_id", "name", "logs", "params",
                  "returns"],
        "llms": ["id", "event_type", "init_timestamp", "end_timestamp", "agent_id", "thread_id", "prompt", "completion",
                 "model", "prompt_tokens", "completion_tokens", "cost", "params", "returns"],
        "errors": ["event_type", "error_type", "code", "details", "logs", "timestamp", "trigger_event_id",
                   "trigger_event_type"],
    ]
    static let timestampKeys: Set<String> = ["init_timestamp", "end_timestamp", "timestamp"]

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func isTimestamp(_ value: JSONValue?) -> Bool {
        guard let text = value?.stringValue else { return value == .null }
        return text.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$"#, options: .regularExpression) != nil
    }

    /// Every key of `keys` the SDK sent is in ours, with the same JSON type (null
    /// being acceptable on either side) and timestamps in the SDK's format.
    static func compare(sdk: JSONValue, ours: JSONValue, keys: [String], what: String) {
        for key in keys {
            guard let theirs = sdk[key] else { continue }
            guard let mine = ours[key] else {
                Issue.record("\(what): agentops-run does not send '\(key)' (the SDK sends \(kind(theirs)))")
                continue
            }
            if timestampKeys.contains(key) {
                #expect(isTimestamp(theirs) && isTimestamp(mine), "\(what).\(key): \(theirs) / \(mine)")
            } else if theirs != .null, mine != .null {
                #expect(kind(theirs) == kind(mine), "\(what).\(key): the SDK sends \(kind(theirs)), we send \(kind(mine))")
            }
        }
    }

    static func bodies(_ requests: [JSONValue], path: String) -> [JSONValue] {
        requests.filter { $0["path"] == .string(path) }.compactMap { $0["body"] }
    }

    @Test("create_session, create_events and update_session carry what the SDK sends, in its formats",
          .enabled(if: SDK03.available, "needs agentops==0.3.26 in .build/venvs (no package registry reachable)"))
    func sameWire() throws {
        let python = try SDK03.python()

        let sdkServer = try FakeAgentOps()
        var env = Harness.environment(home: Harness.temporaryFolder())
        env["AGENTOPS_API_KEY"] = SyncTests.key
        env["AGENTOPS_API_ENDPOINT"] = sdkServer.endpoint
        env["HTTPS_PROXY"] = "http://127.0.0.1:9"
        env["NO_PROXY"] = "127.0.0.1,localhost"
        let script = Harness.fixture("sdk_session.py")
        let sdkRun = Harness.run(python, [script], environment: env, timeout: 90)
        try #require(sdkRun.code == 0, "the SDK session failed: \(sdkRun.err)")
        let sdk = sdkServer.requests()

        let ourServer = try FakeAgentOps()
        let home = Harness.temporaryFolder()
        let shell = """
        agentops event action --type plan --logs 'step 1'
        agentops event tool --name search --params '{"q":"weather"}' --returns '["sunny"]'
        agentops event llm --model gpt-4o --prompt 'say hi' --completion hello --prompt-tokens 10 --completion-tokens 5
        agentops event error --type Timeout --details 'upstream slow'
        agentops tags add more
        agentops end Fail --reason 'answer rejected'
        """
        var extra = RecordingCommandsTests.withTools(home)
        extra["AGENTOPS_API_KEY"] = SyncTests.key
        extra["AGENTOPS_API_ENDPOINT"] = ourServer.endpoint
        let ours = Harness.wrap(["-q", "-t", "sdk", "sh", "-c", shell], home: home, extra: extra, timeout: 60)
        #expect(ours.code == 0, "\(ours.err)")
        let mine = ourServer.requests()

        for path in ["/v2/create_session", "/v2/update_session"] {
            let theirs = try #require(Self.bodies(sdk, path: path).last?["session"], "the SDK sent no \(path)")
            let ourBody = try #require(Self.bodies(mine, path: path).last?["session"], "we sent no \(path)")
            Self.compare(sdk: theirs, ours: ourBody, keys: Self.sessionKeys, what: path)
            #expect(EndState(rawValue: ourBody["end_state"]?.stringValue ?? "") != nil)
        }
        let finalSDK = try #require(Self.bodies(sdk, path: "/v2/update_session").last?["session"])
        let finalOurs = try #require(Self.bodies(mine, path: "/v2/update_session").last?["session"])
        #expect(finalSDK["end_state"] == finalOurs["end_state"])
        #expect(finalSDK["end_state_reason"] == .string("answer rejected"))
        #expect(finalOurs["end_state_reason"]?.stringValue?.hasPrefix("Declared Fail: answer rejected") == true)

        let sdkEvents = Self.bodies(sdk, path: "/v2/create_events").flatMap { $0["events"]?.arrayValue ?? [] }
        let ourEvents = Self.bodies(mine, path: "/v2/create_events").flatMap { $0["events"]?.arrayValue ?? [] }
        for (type, keys) in Self.eventKeys {
            let theirs = try #require(sdkEvents.first { $0["event_type"] == .string(type) }, "the SDK sent no \(type)")
            let ourEvent = try #require(ourEvents.first { $0["event_type"] == .string(type) }, "we sent no \(type)")
            Self.compare(sdk: theirs, ours: ourEvent, keys: keys, what: type)
        }
        // The server needs a timestamp for errors, which this SDK version leaves out: we send both styles.
        #expect(ourEvents.filter { $0["event_type"] == .string("errors") }.allSatisfy { Self.isTimestamp($0["timestamp"]) })
    }
}
