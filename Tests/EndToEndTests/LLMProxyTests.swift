import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// The fake OpenAI and Anthropic API of `Fixtures/fake_llm_api.py`, in the background.
final class FakeLLMAPI {
    let port: Int
    private let log: String
    private let server: FixtureServer

    /// - Parameter delayMilliseconds: the pause before each streamed chunk.
    init(chunks: Int = 3, delayMilliseconds: Int = 0) throws {
        log = Harness.temporaryFolder() + "/responses.jsonl"
        server = try FixtureServer("fake_llm_api.py", [log, String(chunks), String(delayMilliseconds)])
        port = server.port
    }

    /// The base URLs the providers' clients take.
    var environment: [String: String] {
        ["OPENAI_BASE_URL": "http://127.0.0.1:\(port)/v1", "ANTHROPIC_BASE_URL": "http://127.0.0.1:\(port)"]
    }

    /// Every response: `n`, `path`, `status`, `headers`, `request`, `sent` and `expected` (base64).
    func responses() -> [JSONValue] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }
}

/// The environment with the real `openai` and `anthropic` Python clients.
enum LLMClients {
    static let packages = ["openai==3.54.0", "anthropic==2.12.0"]
    static var available: Bool { PythonEnvironment.available("llm-clients", packages: packages) }
    static func python() throws -> String { try PythonEnvironment.python("llm-clients", packages: packages) }
}

@Suite("LLM proxy (--llm-proxy)")
struct LLMProxyTests {
    static let keys = ["OPENAI_API_KEY": "sk-proj-test-4f1c0e2a5b7d", "ANTHROPIC_API_KEY": "sk-ant-test-9a8b2d1e0f9c"]

    @Test("the real openai and anthropic clients, streamed and not: priced, recorded once each, bytes unchanged",
          .enabled(if: LLMClients.available, "needs openai and anthropic in .build/venvs (no package registry reachable)"))
    func realClients() throws {
        let api = try FakeLLMAPI()
        let home = Harness.temporaryFolder()
        let out = Harness.temporaryFolder()
        let python = try LLMClients.python()
        var extra = api.environment
        for (name, value) in Self.keys { extra[name] = value }
        let arguments: [String] = ["--llm-proxy", python, Harness.fixture("llm_clients.py"), out]
        let result = Harness.wrap(arguments, home: home, extra: extra, timeout: 120)
        #expect(result.code == 0, "\(result.out)\n\(result.err)")
        #expect(result.out.contains("clients ok"))

        // 5 OpenAI chat calls and 3 Anthropic ones at the fake's fixed usage, 1 embedding.
        let prices = PriceTable()
        let chatPrice: ModelPrice = try #require(prices.price(of: "gpt-4o-mini-2024-07-18")?.price)
        let claudePrice: ModelPrice = try #require(prices.price(of: "claude-3-5-sonnet-20241022")?.price)
        let embeddingPrice: ModelPrice = try #require(prices.price(of: "text-embedding-3-small")?.price)
        let chat: Decimal = chatPrice.cost(promptTokens: 1200, completionTokens: 300, cachedTokens: 200)
        let claude: Decimal = claudePrice.cost(promptTokens: 1500, completionTokens: 400, cachedTokens: 500)
        var total: Decimal = embeddingPrice.cost(promptTokens: 5000, completionTokens: 0)
        for _ in 0..<5 { total += chat }
        for _ in 0..<3 { total += claude }
        let closing: String = "Cost: $" + Cost.sdkFormat(total) + " | LLMs: 9 |"
        #expect(result.err.contains(closing), "\(result.err)")
        #expect(result.err.contains("Errors: 2"))

        let export = try Harness.export(home: home)
        let llms: [JSONValue] = export["llms"]?.arrayValue ?? []
        #expect(llms.count == 9)
        for event in llms {
            // Every response but the embedding's carries an id; the event's id derives from it.
            let params: JSONValue? = event["params"]
            if params?["endpoint"] != .string("/openai/embeddings") {
                let responseID: String = try #require(params?["response_id"]?.stringValue)
                #expect(event["id"] == .string(ProxyEventID.make(responseID: responseID)))
            }
            let tokens: Int = event["prompt_tokens"]?.intValue ?? 0
            #expect(tokens > 0)
            let startText: String = event["init_timestamp"]?.stringValue ?? ""
            let endText: String = event["end_timestamp"]?.stringValue ?? ""
            let start: Timestamp = try #require(Timestamp(iso8601: startText))
            let end: Timestamp = try #require(Timestamp(iso8601: endText))
            #expect(start <= end)
        }
        let streamed: [JSONValue] = llms.filter { $0["params"]?["stream"] == .bool(true) }
        #expect(streamed.count == 5)
        for event in streamed { #expect(event["completion"]?["content"] == .string("w0 w1 w2 ")) }
        let errors: [JSONValue] = export["errors"]?.arrayValue ?? []
        #expect(errors.count == 2)
        for error in errors { #expect(error["code"] == .string("429")) }

        // Forwarded but never recorded: the keys reached the API, and appear nowhere in the store.
        let responses = api.responses()
        #expect(responses.count == 11)
        for response in responses {
            let headers: JSONValue? = response["headers"]
            let key: String = headers?["authorization"]?.stringValue ?? headers?["x-api-key"]?.stringValue ?? ""
            #expect(key.contains("-test-"))
        }
        let sessionText: String = export["session"]?["id"]?.stringValue ?? ""
        let session: SessionID = try #require(SessionID(sessionText))
        let path: String = LocalStore(environment: ["AGENTOPS_HOME": home]).path(of: session)
        let stored: String = try String(contentsOfFile: path, encoding: .utf8)
        for key in Self.keys.values { #expect(!stored.contains(key)) }

        // The bytes each raw client received are those the API sent for its request.
        var compared = 0
        for response in responses {
            guard let n = response["n"]?.intValue else { continue }
            let route: String = response["path"]?.stringValue ?? ""
            let id: String = route.hasSuffix("/messages") ? "msg_fake\(n)" : "chatcmpl-fake\(n)"
            guard let received = FileManager.default.contents(atPath: out + "/" + id + ".bin") else { continue }
            let encoded: String = response["expected"]?.stringValue ?? ""
            let expected: Data = try #require(Data(base64Encoded: encoded))
            #expect(received == expected, "\(id): the client got other bytes than the API sent")
            compared += 1
        }
        #expect(compared == 3)
    }

    /// A server that answers every call with one id: five calls were one event, the
    /// session's cost one call's, and `--max-cost` never stopped the command (hostile
    /// pass, round 13).
    @Test("calls answered with one response id are recorded one by one, and --max-cost counts them all")
    func repeatedResponseID() throws {
        let api = try FakeLLMAPI()
        let home = Harness.temporaryFolder()
        let client = """
        import os, sys, time, urllib.request
        for i in range(int(sys.argv[1])):
            request = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/chat/completions",
                                             data=b'{"model":"same-id","messages":[]}',
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=20).read()
            print("call", i + 1, flush=True)
            time.sleep(0.3)
        """
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", client, "3"], home: home,
                                  extra: api.environment, timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        let llms: [JSONValue] = try Harness.export(home: home)["llms"]?.arrayValue ?? []
        #expect(llms.count == 3, "\(llms)")
        #expect(Set(llms.compactMap { $0["id"]?.stringValue }).count == 3)
        #expect(llms.allSatisfy { $0["params"]?["response_id"] == .string("chatcmpl-same") })
        // Each call costs about $0.0004 (1,200 prompt and 300 completion tokens of
        // gpt-4o-mini): a limit of $0.001 is passed at the third call.
        let limited = Harness.wrap(["--llm-proxy", "--max-cost", "0.001", "python3", "-c", client, "20"],
                                   home: Harness.temporaryFolder(), extra: api.environment, timeout: 60)
        #expect(limited.code == 124, "\(limited.err)")
        #expect(!limited.out.contains("call 20"), "\(limited.out)")
    }

    /// A stream event of 20 MiB: the proxy held it whole until it ended, rescanning it at
    /// every read (64 MiB took 28 s; of 1 GiB the client got nothing in 60 s: hostile
    /// pass, round 13). Past 16 MiB it now passes the stream through as it comes.
    @Test("a 20 MiB stream event reaches the client whole, and the call is still recorded")
    func hugeStreamEvent() throws {
        let api = try FakeLLMAPI()
        let home = Harness.temporaryFolder()
        let client = """
        import os, time, urllib.request
        request = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/chat/completions",
                                         data=b'{"model":"huge-event","stream":true,"messages":[]}',
                                         headers={"Content-Type": "application/json"})
        response = urllib.request.urlopen(request, timeout=60)
        body, passed = b"", None
        while True:
            piece = response.read1(1 << 16)
            if not piece:
                break
            body += piece
            if passed is None and len(body) > 17 << 20:
                passed = time.monotonic()
        # The API waits 3 s before it ends the event: bytes passed on as they come were
        # here before that.
        print(len(body), body[:6], body[-16:], "as it came" if time.monotonic() - passed > 1.5 else "held")
        """
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", client], home: home, extra: api.environment,
                                  timeout: 90)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "\(6 + 320 * 65536 + 2 + 14) b'data: ' b'\\n\\ndata: [DONE]\\n\\n' as it came\n",
                "\(result.out)")
        let llms: [JSONValue] = try Harness.export(home: home)["llms"]?.arrayValue ?? []
        #expect(llms.count == 1)
    }

    /// A client that gave up while the API was silent: the proxy went on waiting for the
    /// API (up to 10 minutes), holding the connection's slot (256 such made every new
    /// call a 503), and recorded nothing (hostile pass, round 13). A client that only
    /// shut down its writing side after its request still gets its answer (taken for
    /// gone, it lost every answer: second hostile pass, round 13).
    @Test("calls their client gave up on while the API was silent are recorded and let go; a half-close is no leaving")
    func abandonedCalls() throws {
        let api = try FakeLLMAPI()
        let home = Harness.temporaryFolder()
        let client = """
        import os, socket, time, urllib.parse, urllib.request
        base = os.environ["OPENAI_BASE_URL"]
        def call(model, timeout):
            request = urllib.request.Request(base + "/chat/completions",
                                             data=('{"model":"%s","messages":[]}' % model).encode(),
                                             headers={"Content-Type": "application/json"})
            return urllib.request.urlopen(request, timeout=timeout).read()
        for _ in range(3):
            try:
                call("silent", 0.5)
            except (socket.timeout, TimeoutError, OSError):
                print("gave up")
        print(len(call("gpt-4o-mini", 20)) > 0)
        # A request, then shutdown for writing, then the answer read to its end.
        url = urllib.parse.urlsplit(base)
        body = b'{"model":"gpt-4o-mini","messages":[]}'
        connection = socket.create_connection((url.hostname, url.port))
        connection.sendall(b"POST " + url.path.encode() + b"/chat/completions HTTP/1.1\\r\\nHost: x\\r\\n"
                           + b"Content-Type: application/json\\r\\nConnection: close\\r\\n"
                           + b"Content-Length: %d\\r\\n\\r\\n" % len(body) + body)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            piece = connection.recv(65536)
            if not piece:
                break
            answer += piece
        print(answer.split(b"\\r\\n")[0].decode())
        # The calls given up on are let go 5 s after their client's end of file.
        time.sleep(6)
        """
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", client], home: home, extra: api.environment,
                                  timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "gave up\ngave up\ngave up\nTrue\nHTTP/1.1 200 OK\n", "\(result.out)")
        // Not held for the API's 30 s.
        #expect(result.seconds < 20, "\(result.seconds) s")
        let export = try Harness.export(home: home)
        #expect(export.list("llms").count == 2)
        let errors = export.list("errors").filter { $0["error_type"] == .string("llm_api_error") }
        #expect(errors.count == 3, "\(errors)")
    }

    @Test("an API the proxy cannot reach: a 502 with a JSON message at once, not a hang, and an error event")
    func unreachable() throws {
        let home = Harness.temporaryFolder()
        let client = """
        import json, os, urllib.request, urllib.error
        request = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/chat/completions",
                                         data=b'{"model":"gpt-4o"}', headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=20)
        except urllib.error.HTTPError as error:
            print(error.code, json.loads(error.read())["error"]["message"])
        """
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", client], home: home,
                                  extra: ["OPENAI_BASE_URL": "http://127.0.0.1:1/v1"], timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.hasPrefix("502 agentops-run LLM proxy: cannot connect to 127.0.0.1:1"), "\(result.out)")
        #expect(result.seconds < 20)
        let errors: [JSONValue] = try Harness.export(home: home)["errors"]?.arrayValue ?? []
        #expect(errors.contains { $0["error_type"] == .string("llm_api_error") })
    }

    @Test("a malformed Content-Length (or a space before its colon) from the client is a 400, from the API a 502; the proxy goes on serving")
    func malformedLength() throws {
        let api = try FakeLLMAPI()
        let home = Harness.temporaryFolder()
        // A negative length used to be taken as a byte count, and the proxy trapped on it.
        let client = """
        import json, os, socket, urllib.request, urllib.error, urllib.parse
        base = os.environ["OPENAI_BASE_URL"]
        url = urllib.parse.urlsplit(base)
        def raw(length_field):
            with socket.create_connection((url.hostname, url.port), timeout=20) as connection:
                connection.sendall(b"POST " + url.path.encode() + b"/chat/completions HTTP/1.1\\r\\nHost: x\\r\\n"
                                   + length_field + b"\\r\\n\\r\\n{}")
                answer = b""
                while chunk := connection.recv(4096):
                    answer += chunk
            print(answer.split(b"\\r\\n")[0].decode())
        raw(b"Content-Length: -1")
        # A space before the colon: not a length to the proxy, but one to a lenient
        # server behind it (how requests are smuggled); refused like the listener does.
        raw(b"Content-Length : 2")
        for model in ["bad-length", "gpt-4o-mini"]:
            request = urllib.request.Request(base + "/chat/completions", data=json.dumps({"model": model}).encode(),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=20) as response:
                    print(response.status, json.loads(response.read())["choices"][0]["message"]["content"])
            except urllib.error.HTTPError as error:
                print(error.code, json.loads(error.read())["error"]["message"])
        """
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", client], home: home, extra: api.environment,
                                  timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.split(separator: "\n") == [
            "HTTP/1.1 400 Bad Request",
            "HTTP/1.1 400 Bad Request",
            "502 agentops-run LLM proxy: 127.0.0.1:\(api.port) answered with a malformed head: Content-Length",
            "200 hello there",
        ], "\(result.out)\n\(result.err)")
    }

    @Test("a request pipelined right behind a chunked one is served, not dropped (the client hung)")
    func pipelinedAfterChunked() throws {
        let api = try FakeLLMAPI()
        let home = Harness.temporaryFolder()
        let client = """
        import json, os, socket, urllib.parse
        url = urllib.parse.urlsplit(os.environ["OPENAI_BASE_URL"])
        body = json.dumps({"model": "gpt-4o-mini"}).encode()
        path = url.path.encode() + b"/chat/completions"
        chunked = (b"POST " + path + b" HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n"
                   b"Transfer-Encoding: chunked\\r\\n\\r\\n" + b"%x\\r\\n" % len(body) + body + b"\\r\\n0\\r\\n\\r\\n")
        plain = (b"POST " + path + b" HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n"
                 b"Connection: close\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
        with socket.create_connection((url.hostname, url.port), timeout=20) as connection:
            connection.sendall(chunked + plain)
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
        print(answer.count(b"HTTP/1.1 200 "))
        """
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", client], home: home, extra: api.environment,
                                  timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "2\n", "\(result.out)\n\(result.err)")
    }

    @Test("the API gets the request target as the client encoded it")
    func encodedTarget() throws {
        let api = try FakeLLMAPI()
        let home = Harness.temporaryFolder()
        let client = """
        import os, urllib.request, urllib.error
        try:
            urllib.request.urlopen(os.environ["OPENAI_BASE_URL"] + "/files/a%2Fb%20c?x=%2F&y=1", timeout=20)
        except urllib.error.HTTPError as error:
            print(error.code)
        """
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", client], home: home, extra: api.environment,
                                  timeout: 60)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "404\n", "\(result.out)\n\(result.err)")
        #expect(api.responses().map { $0["path"] } == [.string("/v1/files/a%2Fb%20c?x=%2F&y=1")])
    }

    @Test("a proxy that cannot start: one warning, and the command runs with its variables untouched")
    func cannotStart() throws {
        // A store the proxy cannot open (a file where the folder should be).
        let home = Harness.temporaryFolder() + "/file"
        _ = FileManager.default.createFile(atPath: home, contents: Data())
        let result = Harness.wrap(["sh", "-c", "echo \"$OPENAI_BASE_URL|${ANTHROPIC_BASE_URL-unset}\""], home: home,
                                  extra: ["OPENAI_BASE_URL": "http://example.invalid/v1", "AGENTOPS_RUN_LLM_PROXY": "1"])
        #expect(result.code == 0)
        #expect(result.out == "http://example.invalid/v1|unset\n")
        #expect(result.err.components(separatedBy: "LLM proxy:").count == 2, "\(result.err)")
    }

    @Test("without --llm-proxy nothing changes; a nested run in the same session adds no second proxy")
    func offByDefaultAndNested() throws {
        let home = Harness.temporaryFolder()
        let plain = Harness.wrap(["sh", "-c", "echo \"${OPENAI_BASE_URL-unset}\""], home: home)
        #expect(plain.out == "unset\n")
        // The nested run inherits AGENTOPS_RUN_LLM_PROXY=1 and the session: it keeps the outer proxy.
        let script = "echo \"$OPENAI_BASE_URL\"; \"$0\" sh -c 'echo \"$OPENAI_BASE_URL\"'"
        let nested = Harness.wrap(["sh", "-c", script, Harness.agentopsRun], home: home,
                                  extra: ["AGENTOPS_RUN_LLM_PROXY": "1"])
        #expect(nested.code == 0)
        let urls = nested.out.split(separator: "\n").map(String.init)
        #expect(urls.count == 2, "\(nested.out)")
        let outer: String = urls.first ?? ""
        #expect(outer == urls.last)
        #expect(outer.hasPrefix("http://127.0.0.1:"))
        #expect(outer.hasSuffix("/openai"))
    }
}
