import AgentOpsKit
import Foundation
import Testing

/// The real AgentOps SDK (agentops==0.3.26, in a test virtual environment) inside agentops-run,
/// talking to the wrapper's loopback listener with no API key and no network.
@Suite("The AgentOps SDK under agentops-run")
struct SDKListenerTests {
    static let example = Harness.example("sdk03_agent.py")

    /// No key, no endpoint; the SDK's PyPI update check hits a closed local proxy; its
    /// INFO lines (session replay URL, its own stats) stay quiet so stderr holds only
    /// what the test expects.
    static func offline(_ home: String, _ extra: [String: String] = [:]) -> [String: String] {
        var env = RecordingCommandsTests.withTools(home)
        env["AGENTOPS_API_KEY"] = ""
        env["AGENTOPS_API_ENDPOINT"] = ""
        env["HTTPS_PROXY"] = "http://127.0.0.1:9"
        env["NO_PROXY"] = "127.0.0.1,localhost"
        env["AGENTOPS_LOGGING_LEVEL"] = "WARNING"
        return env.merging(extra) { $1 }
    }

    static func rows(_ export: JSONValue, _ table: String) -> [JSONValue] { export.list(table) }

    @Test("an unmodified SDK agent records into the wrapper's session, priced, offline",
          .enabled(if: SDK03.available, "needs agentops==0.3.26 in .build/venvs (no package registry reachable)"),
          arguments: [false, true])
    func sdkAgent(join: Bool) throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["-t", "wrap", try SDK03.python(), Self.example] + (join ? ["--join"] : []), home: home,
                                  extra: Self.offline(home), timeout: 90)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "answer: yes, 21C and sunny\n")
        // 1000 × $0.0000025 + 500 × $0.00001 for gpt-4o, from the bundled table.
        #expect(result.err.contains("| Cost: $0.007500 | LLMs: 1 | Tools: 1 | Actions: 2 | Errors: 1\n"),
                "\(result.err)")

        let export = try Harness.export(home: home)
        let session = try #require(export["session"])
        let id = try #require(session["id"]?.stringValue)
        #expect(session["tags"] == .array(["wrap", "sdk", "weather"].map { .string($0) }))
        #expect(session["end_state"] == .string("Success"))
        #expect(session["end_state_reason"] == .string("Declared Success: answered; Command exited with code 0"))

        let llm = try #require(Self.rows(export, "llms").first)
        #expect(llm["model"] == .string("gpt-4o"))
        #expect(llm["prompt_tokens"]?.intValue == 1000 && llm["completion_tokens"]?.intValue == 500)
        #expect(llm["prompt"] == .string("Is it sunny in Paris?"))
        #expect(llm["completion"] == .string("Yes, 21C and sunny."))
        #expect(llm["cost"] == .number("0.0075"))
        let tool = try #require(Self.rows(export, "tools").first)
        #expect(tool["name"] == .string("search"))
        #expect(tool["params"] == .object([("q", .string("weather in Paris"))]))
        #expect(tool["returns"] == .array([.string("sunny"), .string("21C")]))
        let actions = Self.rows(export, "actions")
        #expect(actions.contains { $0["action_type"] == .string("plan")
            && $0["logs"] == .string("look up the weather, then answer") })
        #expect(actions.contains { $0["action_type"] == .string("stdout") })
        let error = try #require(Self.rows(export, "errors").first)
        #expect(error["error_type"] == .string("RateLimit") && error["details"] == .string("retried after 1s"))
        for table in ["actions", "llms", "tools", "errors"] {
            for row in Self.rows(export, table) { #expect(row["session_id"] == .string(id)) }
        }
        // The same figure in the local REST-shaped stats.
        let stats = try JSONParser.parse(Harness.tool(["stats", "last"], home: home).out)
        #expect(stats["cost"] == .number("0.0075"))
    }

    @Test("with a key, the SDK's events go upstream in the wrapper's one session; both costs are shown",
          .enabled(if: SDK03.available, "needs agentops==0.3.26 in .build/venvs (no package registry reachable)"))
    func remote() throws {
        let home = Harness.temporaryFolder()
        let server = try FakeAgentOps()
        let env = Self.offline(home, ["AGENTOPS_API_KEY": SyncTests.key, "AGENTOPS_API_ENDPOINT": server.endpoint])
        let result = Harness.wrap([try SDK03.python(), Self.example], home: home, extra: env, timeout: 90)
        #expect(result.code == 0, "\(result.err)")
        let id = try #require(try Harness.export(home: home)["session"]?["id"])
        let requests = server.requests()
        let created = requests.filter { $0["path"] == .string("/v2/create_session") }
        #expect(!created.isEmpty && created.allSatisfy { $0["body"]?["session"]?["session_id"] == id })
        let sent = requests.filter { $0["path"] == .string("/v2/create_events") }
            .flatMap { $0["body"]?.list("events") ?? [] }
        #expect(sent.contains { $0["event_type"] == .string("llms") && $0["model"] == .string("gpt-4o")
            && $0["session_id"] == id })
        #expect(sent.contains { $0["action_type"] == .string("plan") })
        // The fake server prices everything at $0.0042; the local figure is beside it.
        #expect(result.err.contains("| Cost: $0.004200 (local $0.007500) |"), "\(result.err)")
    }

    @Test("the command sees the listener; --no-listener leaves its environment as it was")
    func environment() throws {
        let home = Harness.temporaryFolder()
        let show = #"echo "${AGENTOPS_API_ENDPOINT:-unset} ${AGENTOPS_API_KEY:-unset} ${AGENTOPS_RUN_LISTENER:-unset}""#
        let offered = Harness.wrap(["-q", "sh", "-c", show], home: home, extra: Self.offline(home), timeout: 30)
        let parts = offered.out.split(separator: " ").map(String.init)
        try #require(parts.count == 3, "\(offered.out)")
        #expect(parts[0].hasPrefix("http://127.0.0.1:"))
        #expect(SessionID(parts[1].trimmingCharacters(in: .newlines)) != nil)
        #expect(parts[2].trimmingCharacters(in: .newlines) == parts[0])

        let plain = Harness.wrap(["-q", "--no-listener", "sh", "-c", show], home: home, extra: Self.offline(home),
                                 timeout: 30)
        #expect(plain.out == "unset unset unset\n")
    }

    @Test("a nested run in the same session uses the outer listener; a new session gets its own")
    func nested() throws {
        let home = Harness.temporaryFolder()
        let script = """
        echo "$AGENTOPS_API_ENDPOINT"
        agentops-run -q -- sh -c 'echo "$AGENTOPS_API_ENDPOINT"'
        agentops-run -q --new-session -- sh -c 'echo "$AGENTOPS_API_ENDPOINT ${AGENTOPS_RUN_UPSTREAM_ENDPOINT:-none}"'
        """
        let result = Harness.wrap(["-q", "sh", "-c", script], home: home, extra: Self.offline(home), timeout: 30)
        let lines = result.out.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(result.out)\(result.err)")
        #expect(lines[1] == lines[0])
        let inner = lines[2].split(separator: " ").map(String.init)
        #expect(inner[0].hasPrefix("http://127.0.0.1:") && inner[0] != lines[0])
        #expect(inner[1] == "none")
    }

    @Test("the listener fed malformed, truncated, oversized, unauthorised and slow requests stays up")
    func hostileClients() throws {
        let home = Harness.temporaryFolder()
        let (_, seen) = try Harness.probe("listener_probe.py", home: home,
                                          extra: Self.offline(home, ["AGENTOPS_RUN_LISTENER_TIMEOUT": "1"]))
        func status(_ key: String) -> Int? { seen[key]?.arrayValue?.first?.intValue }
        #expect(status("garbage") == 400)
        #expect(status("bad_json") == 400)
        #expect(seen["bad_json"]?.arrayValue?.last?["message"]?.stringValue?.hasPrefix("request body is not JSON") == true)
        #expect(status("events_not_list") == 400 && status("event_without_time") == 400)
        #expect(status("wrong_key") == 401 && status("no_auth") == 401 && status("bad_jwt") == 401)
        #expect(status("unknown_path") == 404 && status("get") == 405)
        #expect(status("oversized") == 413 && status("huge_head") == 431 && status("chunked") == 411)
        #expect(seen["truncated_closed"] == .null)
        // The slow client is cut off after the 1 s request timeout; others were served meanwhile.
        let slowSeconds = try #require(seen["slow_seconds"].flatMap { Double(String(decoding: JSONWriter.compact($0), as: UTF8.self)) })
        #expect(slowSeconds >= 0.9 && slowSeconds < 4)
        for key in ["after_garbage", "after_truncated", "served_while_slow", "after_slow"] {
            #expect(seen[key] == .bool(true), "\(key)")
        }
        let ok = JSONValue.array([.int(200), .string("Success")])
        #expect(seen["keep_alive"] == .array([ok, ok, ok]))
        #expect(seen["sdk_flow"] == .array([.int(200), .int(200), ok, .int(200), .string("0.000075")]))
        // The one good event was recorded, priced, under the probe's tags.
        let export = try Harness.export(home: home)
        #expect(export.list("llms").count == 1)
        #expect(export["session"]?["tags"] == .array([.string("probe"), .string("late")]))
    }
}
