import AgentOpsKit
import Foundation
import Glibc
import Testing

/// The AgentOps SDK 0.4 (agentops 0.4.21 with the exporter pinned below 1.45).
enum SDK04 {
    static let packages = ["agentops==0.4.21", "opentelemetry-exporter-otlp-proto-http>1.29.0,<1.45", "openai"]
    static var available: Bool { PythonEnvironment.available("agentops-0.4", packages: packages) }
    static func python() throws -> String { try PythonEnvironment.python("agentops-0.4", packages: packages) }
}

/// OpenTelemetry's zero-code instrumentation with OpenLLMetry's OpenAI instrumentation;
/// also the plain OTel SDK for the generic agent. The SDK pin keeps pip from pairing a
/// 1.45 SDK with an ancient exporter.
enum OpenLLMetry {
    static let packages = [
        "opentelemetry-distro", "opentelemetry-sdk<1.45", "opentelemetry-exporter-otlp-proto-http<1.45",
        "opentelemetry-instrumentation-openai", "openai",
    ]
    static var available: Bool { PythonEnvironment.available("otel-openllmetry", packages: packages) }
    static func python() throws -> String { try PythonEnvironment.python("otel-openllmetry", packages: packages) }
}

/// The loopback fake OpenAI server of `Fixtures/fake_openai.py` (23 prompt and 7
/// completion tokens of `gpt-4o-mini-2024-07-18` for every chat call), in the background.
final class FakeOpenAI {
    let baseURL: String
    private let server: FixtureServer

    init() throws {
        let folder = Harness.temporaryFolder()
        server = try FixtureServer("fake_openai.py", ["0", folder])
        baseURL = "http://127.0.0.1:\(server.port)/v1"
    }

}

/// OpenTelemetry agents under agentops-run: the AgentOps SDK 0.4, OpenTelemetry's zero-code
/// instrumentation, a plain OTel SDK agent with gzip, and hostile OTLP bodies.
@Suite("OpenTelemetry agents under agentops-run")
struct OTelIngestTests {
    /// Offline, with OpenAI at `openAI`; the SDK 0.4's hard-wired metrics URL would meet a
    /// closed proxy.
    static func offline(_ home: String, openAI: String? = nil, _ extra: [String: String] = [:]) -> [String: String] {
        var env = SDKListenerTests.offline(home)
        env["AGENTOPS_LOG_LEVEL"] = "WARNING"
        env["OPENAI_API_KEY"] = "sk-test"
        env["OPENAI_BASE_URL"] = openAI ?? "http://127.0.0.1:9/v1"
        for name in ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "TRACEPARENT",
                     "AGENTOPS_LOGGING_TO_FILE"] {
            env[name] = ""
        }
        return env.merging(extra) { $1 }
    }

    @Test("the AgentOps SDK 0.4: tool, agent, a priced LLM call, tags and the declared end",
          .enabled(if: SDK04.available, "needs agentops==0.4.21 in .build/venvs (no package registry reachable)"),
          arguments: [false, true])
    func sdk04Agent(fail: Bool) throws {
        let home = Harness.temporaryFolder()
        let openAI = try FakeOpenAI()
        let env = Self.offline(home, openAI: openAI.baseURL)
        let result = Harness.wrap(["-t", "wrap", try SDK04.python(), Harness.example("sdk_agent.py")]
            + (fail ? ["--fail"] : []), home: home, extra: env, timeout: 120)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.hasPrefix("answer: Paris is the capital of France.\n"))
        #expect(!result.err.contains("opentelemetry-exporter-otlp-proto-http<1.45"), "\(result.err)")
        // gpt-4o-mini-2024-07-18 from the bundled table: 23 × $0.00000015 + 7 × $0.0000006.
        #expect(result.err.contains("| Cost: $0.000008 | LLMs: 1 | Tools: \(fail ? 2 : 1) |"), "\(result.err)")

        let export = try Harness.export(home: home)
        let session = try #require(export["session"])
        #expect(session["tags"] == .array((["wrap", "weather"] + (fail ? ["booking"] : [])).map { .string($0) }))
        #expect(session["end_state"] == .string(fail ? "Fail" : "Success"))
        #expect(session["end_state_reason"] == .string("Declared \(fail ? "Fail" : "Success"); Command exited with code 0"))
        let llm = try #require(export.list("llms").first)
        #expect(llm["model"] == .string("gpt-4o-mini-2024-07-18"))
        #expect(llm["prompt_tokens"]?.intValue == 23 && llm["completion_tokens"]?.intValue == 7)
        #expect(llm["completion"]?["content"] == .string("Paris is the capital of France."))
        let tools = export.list("tools")
        #expect(tools.contains { $0["name"] == .string("search") && $0["returns"] == .array(["sunny", "21C"].map { .string($0) }) })
        let actions = export.list("actions")
        #expect(actions.contains { $0["action_type"] == .string("agent") && $0["logs"] == .string("WeatherAgent") })
        #expect(actions.contains { $0["action_type"] == .string("trace") && $0["logs"] == .string("weather") })
        if fail {
            #expect(export.list("errors").contains { $0["error_type"] == .string("RuntimeError")
                && $0["details"] == .string("Chez Paul is fully booked") && $0["trigger_event_type"] == .string("tools") })
        }
    }

    @Test("opentelemetry-instrument records a plain OpenAI agent with zero code, priced",
          .enabled(if: OpenLLMetry.available, "needs opentelemetry-distro in .build/venvs (no package registry reachable)"))
    func zeroCode() throws {
        let home = Harness.temporaryFolder()
        let openAI = try FakeOpenAI()
        let bin = (try OpenLLMetry.python() as NSString).deletingLastPathComponent
        var env = Self.offline(home, openAI: openAI.baseURL, ["OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"])
        env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        let result = Harness.wrap(["opentelemetry-instrument", "python", Harness.example("plain_openai_agent.py")],
                                  home: home, extra: env, timeout: 120)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.err.contains("| Cost: $0.000008 | LLMs: 1 |"), "\(result.err)")
        let llm = try #require(try Harness.export(home: home).list("llms").first)
        #expect(llm["model"] == .string("gpt-4o-mini-2024-07-18"))
        #expect(llm["prompt_tokens"]?.intValue == 23 && llm["completion_tokens"]?.intValue == 7)
    }

    @Test("a plain OTel SDK agent configured only by OTEL_* variables, gzip-compressed",
          .enabled(if: OpenLLMetry.available, "needs opentelemetry-sdk in .build/venvs (no package registry reachable)"))
    func genericGzip() throws {
        let home = Harness.temporaryFolder()
        let env = Self.offline(home, ["OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_SERVICE_NAME": "generic-agent"])
        let result = Harness.wrap([try OpenLLMetry.python(), Harness.fixture("otel_generic_agent.py")], home: home,
                                  extra: env, timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        let export = try Harness.export(home: home)
        let llm = try #require(export.list("llms").first)
        #expect(llm["model"] == .string("gpt-4o-mini-2024-07-18"))
        #expect(llm["prompt_tokens"]?.intValue == 12 && llm["completion_tokens"]?.intValue == 5)
        #expect(export.list("tools").first?["name"] == .string("get_weather"))
        #expect(export.list("errors").contains { $0["error_type"] == .string("TimeoutError") })
        #expect(export.list("actions").contains { $0["action_type"] == .string("invoke_agent") })
    }

    @Test("broken, hostile and retried OTLP bodies get OTLP's answers; the run and the session are unharmed")
    func hostileBodies() throws {
        let home = Harness.temporaryFolder()
        let (result, seen) = try Harness.probe("otlp_probe.py", home: home, extra: Self.offline(home))
        func status(_ key: String) -> Int? { seen[key]?.arrayValue?.first?.intValue }
        func type(_ key: String) -> String? { seen[key]?.arrayValue?[1].stringValue }
        for key in ["truncated", "random", "bad_varint", "huge_length", "deep_nesting", "json_wrong_types",
                    "json_not_json", "bad_gzip"] {
            #expect(status(key) == 400, "\(key): \(seen[key] ?? .null)")
        }
        #expect(status("wrong_type") == 415 && status("unknown_encoding") == 415)
        for key in ["good_gzip", "good_deflate", "good_again", "empty", "metrics"] {
            #expect(status(key) == 200 && type(key) == "application/x-protobuf", "\(key)")
            #expect(seen[key]?.arrayValue?[2] == .string(""), "\(key): an empty response is full success")
        }
        #expect(status("partial") == 200 && type("partial") == "application/json")
        let partial = try JSONParser.parse(seen["partial"]?.arrayValue?[2].stringValue ?? "")
        #expect(partial["partialSuccess"]?["rejectedSpans"] == .string("1"))
        let auth = try JSONParser.parse(seen["auth"]?.arrayValue?[2].stringValue ?? "")
        #expect(auth["token"]?.stringValue != nil && auth["project_prem_status"] == .string("pro"))
        #expect(status("logs_upload") == 200 && status("object_upload") == 200)

        // The good span sent three times (gzip, deflate, plain) is recorded once.
        let export = try Harness.export(home: home)
        #expect(export.list("tools").count == 1)
        #expect(export.list("actions").contains { $0["action_type"] == .string("agent") })
        #expect(auth["project_id"] == export["session"]?["id"])
        #expect(export["session"]?["end_state"] == .string("Success"))
        // It authenticated and sent spans: no hint about the SDK break.
        #expect(!result.err.contains("proto-http<1.45"))
    }

    @Test("an SDK that authenticates but sends no spans gets the hint naming the fix")
    func sdkBreakHint() throws {
        let home = Harness.temporaryFolder()
        let script = """
        import json, os, urllib.request
        urllib.request.urlopen(urllib.request.Request(os.environ["AGENTOPS_API_ENDPOINT"] + "/v3/auth/token",
            data=json.dumps({"api_key": os.environ["AGENTOPS_API_KEY"]}).encode(),
            headers={"Content-Type": "application/json"})).read()
        """
        let result = Harness.wrap(["python3", "-c", script], home: home, extra: Self.offline(home), timeout: 30)
        #expect(result.code == 0, "\(result.err)")
        let hints = result.err.split(separator: "\n").filter { $0.contains(#"pip install "opentelemetry-exporter-otlp-proto-http<1.45""#) }
        #expect(hints.count == 1, "\(result.err)")
    }

    @Test("the command is offered the listener for OpenTelemetry; nested runs see through it; the user's own endpoint stays")
    func environment() throws {
        let home = Harness.temporaryFolder()
        let show = #"echo "$AGENTOPS_EXPORTER_ENDPOINT|$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT|"#
            + #"$OTEL_EXPORTER_OTLP_TRACES_PROTOCOL|$TRACEPARENT|$AGENTOPS_LOGGING_TO_FILE|$AGENTOPS_SESSION_ID""#
        let script = show + "\n" + "agentops-run -q -- sh -c '\(show)'\n" + "agentops-run -q --new-session -- sh -c '\(show)'"
        let result = Harness.wrap(["-q", "sh", "-c", script], home: home, extra: Self.offline(home), timeout: 30)
        let lines = result.out.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        try #require(lines.count == 3 && lines.allSatisfy { $0.count == 6 }, "\(result.out)\(result.err)")
        let outer = lines[0]
        #expect(outer[0].hasPrefix("http://127.0.0.1:") && outer[0].hasSuffix("/v1/traces"))
        #expect(outer[1] == outer[0] && outer[2] == "http/protobuf" && outer[4] == "false")
        let hex = outer[5].filter { $0 != "-" }
        #expect(outer[3] == "00-\(hex)-\(hex.suffix(16))-01")
        #expect(lines[1] == outer, "a nested run in the same session uses the outer listener")
        let inner = lines[2]
        #expect(inner[0] != outer[0] && inner[0].hasSuffix("/v1/traces") && inner[5] != outer[5])
        #expect(inner[3].contains(inner[5].filter { $0 != "-" }))
        #expect(!result.err.contains("warning"), "\(result.err)")

        // The user's own OTLP endpoint and logging choice are left alone, and said so once.
        let own = Harness.wrap(["-q", "sh", "-c", show], home: home, extra: Self.offline(home, [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "AGENTOPS_LOGGING_TO_FILE": "true",
        ]), timeout: 30)
        let values = own.out.trimmingCharacters(in: .newlines).split(separator: "|", omittingEmptySubsequences: false)
        #expect(values.count == 6 && values[1] == "" && values[2] == "" && values[4] == "true", "\(own.out)")
        #expect(values.first?.hasSuffix("/v1/traces") == true)
        #expect(own.err.components(separatedBy: "OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 is set").count == 2,
                "\(own.err)")
    }
}
