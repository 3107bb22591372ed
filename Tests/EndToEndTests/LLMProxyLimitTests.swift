import AgentOpsKit
import Foundation
import Testing

/// The LLM proxy's bounds on its local clients (`LLMProxyServer.limits`), as a client
/// sees them: a body over 64 MiB, a request that stalls, more connections than 256. Each
/// client is a Python script run as the command, printing what it got; the command's
/// output and exit status must come through untouched.
@Suite("LLM proxy limits (--llm-proxy)")
struct LLMProxyLimitTests {
    /// Helpers the clients share: raw requests on a socket, read until the close.
    static let prelude = #"""
    import json, os, socket, sys, time, urllib.error, urllib.parse, urllib.request
    base = os.environ["OPENAI_BASE_URL"]
    url = urllib.parse.urlsplit(base)
    path = url.path.encode() + b"/chat/completions"
    def head(length, close=True):
        return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + (b"Connection: close\r\n" if close else b"") + b"Content-Length: %d\r\n\r\n" % length)
    def connect():
        return socket.create_connection((url.hostname, url.port), timeout=30)
    def answer(connection):
        data = b""
        try:
            while chunk := connection.recv(65536):
                data += chunk
        except socket.timeout:
            return "timed out", ""
        except ConnectionResetError:
            return "reset", ""
        status, _, rest = data.partition(b"\r\n")
        body = rest.partition(b"\r\n\r\n")[2]
        try:
            return status.decode(), json.loads(body)["error"]["message"]
        except Exception:
            return status.decode(), ""
    def call(data):
        request = urllib.request.Request(base + "/chat/completions", data=data,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())["choices"][0]["message"]["content"]
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())["error"]["message"]
        except OSError as error:
            return type(error).__name__, ""

    """#

    /// Runs `client` (the prelude's helpers and a script) as the command of a run with
    /// the proxy in front of `api`, and checks its exit status and output lines.
    static func run(_ client: String, api: FakeLLMAPI, requestTimeout: String? = nil,
                    expect code: Int32, lines: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        var extra = api.environment
        extra["AGENTOPS_RUN_LISTENER_TIMEOUT"] = requestTimeout
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", prelude + client], home: Harness.temporaryFolder(),
                                  extra: extra, timeout: 180)
        #expect(result.code == code, "\(result.err)", sourceLocation: sourceLocation)
        #expect(result.out.split(separator: "\n").map(String.init) == lines, "\(result.out)\n\(result.err)",
                sourceLocation: sourceLocation)
    }

    @Test("Expect: 100-continue is answered before the body is sent, and not passed on to the API")
    func expectContinue() throws {
        let api = try FakeLLMAPI()
        let client = #"""
        body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).encode()
        with connect() as connection:
            connection.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               + b"Connection: close\r\nExpect: 100-continue\r\n"
                               + b"Content-Length: %d\r\n\r\n" % len(body))
            connection.settimeout(5)
            try:
                first = connection.recv(65536)
            except socket.timeout:
                first = b"nothing within 5 s"
            print(first.split(b"\r\n")[0].decode())
            connection.sendall(body)
            status, _ = answer(connection)
            print(status.split(" ")[1] if " " in status else status)
        """#
        Self.run(client, api: api, expect: 0, lines: ["HTTP/1.1 100 Continue", "200"])
        let headers = try #require(api.responses().last?["headers"])
        #expect(headers["expect"] == nil)
        #expect(headers["content-type"] == .string("application/json"))
    }

    @Test("a proxy that ends during the run (killed) is said in one warning at the end; the command's status stands")
    func proxyEndedDuringRun() throws {
        let api = try FakeLLMAPI()
        let client = #"""
        import glob
        session = os.environ["AGENTOPS_SESSION_ID"].encode()
        for name in glob.glob("/proc/[0-9]*/cmdline"):
            try:
                arguments = open(name, "rb").read().split(b"\0")
            except OSError:
                continue
            if b"llm-proxy" in arguments and session in arguments:
                os.kill(int(name.split("/")[2]), 9)
        time.sleep(0.5)
        print(call(b'{"model": "gpt-4o", "messages": []}')[0])
        sys.exit(3)
        """#
        let result = Harness.wrap(["--llm-proxy", "python3", "-c", Self.prelude + client],
                                  home: Harness.temporaryFolder(), extra: api.environment, timeout: 60)
        #expect(result.code == 3, "\(result.err)")
        #expect(result.out == "URLError\n", "\(result.err)")
        let warnings = result.err.split(separator: "\n").filter { $0.contains("LLM proxy:") }
        #expect(warnings == ["agentops-run: warning: LLM proxy: it ended during the run (killed by SIGKILL); "
                + "the command's calls after that were refused, and are not recorded"], "\(result.err)")
    }

    @Test("a body over 64 MiB: 413 before a byte is read (declared 1 TB, none sent) and read by a client sending it all; 8 MiB still proxied; output and exit status untouched")
    func oversizedBody() throws {
        let api = try FakeLLMAPI()
        let client = #"""
        started = time.monotonic()
        with connect() as connection:
            connection.sendall(head(1000000000000))
            status, message = answer(connection)
        print(status, "|", message, "|", time.monotonic() - started < 5)
        # Sent whole: the proxy answers at the head and reads the rest away (past the
        # listener's 64 MiB), so the client gets to read the 413 instead of a reset.
        print(*call(b"{" + b" " * (128 << 20) + b"}"))
        prompt = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x" * (8 << 20)}]}
        print(*call(json.dumps(prompt).encode()))
        sys.exit(3)
        """#
        Self.run(client, api: api, expect: 3, lines: [
            "HTTP/1.1 413 Content Too Large | agentops-run LLM proxy: request body over 64 MiB | True",
            "413 agentops-run LLM proxy: request body over 64 MiB",
            "200 hello there",
        ])
        // Only the 8 MiB call reached the API, and whole.
        let requests = api.responses().compactMap { $0["request"]?.stringValue }
        #expect(requests.count == 1)
        #expect((requests.first?.utf8.count ?? 0) > 8 << 20)
    }

    @Test("a head or a body that stalls: 408 within the request timeout (AGENTOPS_RUN_LISTENER_TIMEOUT); an idle kept-alive connection and a stream slower than it are not cut")
    func stalledRequests() throws {
        // 3 chunks 0.8 s apart: the stream takes longer than the 1 s request timeout.
        let api = try FakeLLMAPI(delayMilliseconds: 800)
        let client = #"""
        def stalled(data):
            started = time.monotonic()
            with connect() as connection:
                connection.sendall(data)
                status, message = answer(connection)
            seconds = time.monotonic() - started
            print(status, "|", message, "|", 0.9 <= seconds < 4)
            print("stalled for", seconds, "s", file=sys.stderr)
        stalled(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n")
        stalled(head(100) + b'{"model":')
        # Only receiving a request is timed: a kept-alive connection idle for longer
        # than that is still served, and a stream slower than that comes through whole.
        import http.client
        kept = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        for pause in [0, 1.5]:
            time.sleep(pause)
            kept.request("POST", url.path + "/chat/completions", json.dumps({"model": "gpt-4o-mini"}),
                         {"Content-Type": "application/json"})
            response = kept.getresponse()
            print(response.status, json.loads(response.read())["choices"][0]["message"]["content"])
        started = time.monotonic()
        kept.request("POST", url.path + "/chat/completions", json.dumps({"model": "gpt-4o-mini", "stream": True}),
                     {"Content-Type": "application/json"})
        response = kept.getresponse()
        words = [json.loads(line[6:])["choices"][0]["delta"].get("content") for line in response.read().split(b"\n")
                 if line.startswith(b"data: {")]
        print(response.status, "".join(word for word in words if word), time.monotonic() - started > 2)
        """#
        Self.run(client, api: api, requestTimeout: "1", expect: 0, lines: [
            "HTTP/1.1 408 Request Timeout | agentops-run LLM proxy: request not received within 1.0s | True",
            "HTTP/1.1 408 Request Timeout | agentops-run LLM proxy: request body not received within 1.0s | True",
            "200 hello there",
            "200 hello there",
            "200 w0 w1 w2  True",
        ])
    }

    @Test("more than 256 connections: the next gets 503 while the earlier ones, busy sending their requests, are still served")
    func connectionCap() throws {
        let api = try FakeLLMAPI()
        let client = #"""
        body = json.dumps({"model": "gpt-4o-mini"}).encode()
        held = []
        for _ in range(256):
            connection = connect()
            connection.sendall(head(len(body)) + body[:5])
            held.append(connection)
        # Long enough for the proxy to read every head: those connections are then busy
        # with a request, and none can be closed to make room (a loaded machine may take
        # seconds to start 256 threads).
        time.sleep(5)
        with connect() as connection:
            connection.sendall(head(len(body)) + body)
            print(*answer(connection), sep=" | ")
        served = held[:4] + held[-4:]
        for connection in served:
            connection.sendall(body[5:])
        print(sum(answer(connection)[0] == "HTTP/1.1 200 OK" for connection in served))
        for connection in held:
            connection.close()
        """#
        Self.run(client, api: api, requestTimeout: "60", expect: 0, lines: [
            "HTTP/1.1 503 Service Unavailable | agentops-run LLM proxy: too many connections",
            "8",
        ])
    }
}
