import Foundation
import Testing
@testable import AgentOpsKit

@Suite("LLM proxy: reading calls")
struct LLMExchangeTests {
    private static let session = SessionID.random()
    private static let t0 = Timestamp(microseconds: 1_000_000), t1 = Timestamp(microseconds: 3_500_000)

    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private static func finish(_ exchange: inout LLMExchange, complete: Bool = true) throws -> Event {
        let event = exchange.event(session: session, start: t0, end: t1, complete: complete,
                                   overheadMicroseconds: 1234)
        return try #require(event)
    }

    @Test("routes /openai/… and /anthropic/… to the rest of the path, nothing else")
    func routing() {
        #expect(LLMProvider.route("/openai/chat/completions?x=1")! == (.openai, "/chat/completions?x=1"))
        #expect(LLMProvider.route("/anthropic/v1/messages")! == (.anthropic, "/v1/messages"))
        #expect(LLMProvider.route("/openaiX/chat") == nil)
        #expect(LLMProvider.route("/v1/chat") == nil)
    }

    @Test("the command's base URLs point at the proxy; upstreams are the user's, else the defaults")
    func environment() {
        let given = ["OPENAI_BASE_URL": "http://127.0.0.1:9/v1/", "PATH": "/bin"]
        let upstreams = LLMProxyEnvironment.upstreams(given)
        #expect(upstreams[.openai] == "http://127.0.0.1:9/v1")
        #expect(upstreams[.anthropic] == "https://api.anthropic.com")
        #expect(LLMProxyEnvironment.upstreams([:])[.openai] == "https://api.openai.com/v1")
        let rewritten = LLMProxyEnvironment.rewrite(given, port: 4242, session: Self.session)
        #expect(rewritten["OPENAI_BASE_URL"] == "http://127.0.0.1:4242/openai")
        #expect(rewritten["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:4242/anthropic")
        #expect(rewritten["PATH"] == "/bin")
        #expect(LLMProxyEnvironment.isServedUpstream(session: Self.session, environment: rewritten))
        #expect(LLMProxyEnvironment.isRequested(option: false, environment: ["AGENTOPS_RUN_LLM_PROXY": "1"]))
        #expect(!LLMProxyEnvironment.isRequested(option: false, environment: ["AGENTOPS_RUN_LLM_PROXY": "0"]))
        #expect(LLMProxyEnvironment.isRequested(option: true, environment: [:]))
    }

    @Test("SSE events are found across any split of the bytes, raw bytes kept")
    func sse() {
        let stream = "event: a\r\ndata: {\"x\":1}\r\n\r\n: comment\n\ndata: one\ndata: two\n\ndata: [DONE]\n\n"
        for split in 1..<stream.utf8.count {
            var scanner = SSEScanner()
            let all = Self.bytes(stream)
            let events = scanner.feed(all[..<split]) + scanner.feed(all[split...])
            #expect(events.map(\.data) == ["{\"x\":1}", "one\ntwo", "[DONE]"])
            #expect(events.first?.name == "a")
            #expect(events.first?.raw == Self.bytes("event: a\r\ndata: {\"x\":1}\r\n\r\n"))
        }
    }

    /// An unfinished event was held whole and rescanned from its start at every read:
    /// a 64 MiB line took 28 s, and the client got nothing until it ended (hostile pass,
    /// round 13). Now each byte is looked at once, and past `maxEventBytes` the scanner
    /// hands over what it holds and parses no more.
    @Test("an SSE event over 16 MiB: the scanner hands it over and passes the stream through")
    func sseOverLimit() {
        var scanner = SSEScanner()
        let piece = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 16)
        var events = scanner.feed(Self.bytes("data: {\"a\":1}\n\ndata: "))
        #expect(events.map(\.data) == ["{\"a\":1}"])
        var fed = 6
        while !scanner.isPassingThrough {
            events += scanner.feed(piece)
            fed += piece.count
        }
        #expect(events.count == 1)
        #expect(fed > SSEScanner.maxEventBytes && fed <= SSEScanner.maxEventBytes + piece.count + 6)
        let held = scanner.takeRemainder()
        #expect(held.count == fed && held.prefix(6) == Self.bytes("data: ")[...])
        #expect(scanner.feed(Self.bytes("\n\ndata: x\n\n")).isEmpty && scanner.remainder.isEmpty)
    }

    @Test("an OpenAI chat stream without usage asks for it; one that set stream_options is left alone")
    func injection() throws {
        let body = Self.bytes(#"{"model":"gpt-4o","stream":true,"messages":[]}"#)
        let exchange = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST", body: body)
        #expect(exchange.injectsUsage)
        let sent = exchange.upstreamBody(body)
        #expect(String(decoding: sent, as: UTF8.self)
            == #"{"stream_options":{"include_usage":true},"model":"gpt-4o","stream":true,"messages":[]}"#)
        let asked = Self.bytes(#"{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false}}"#)
        let other = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST", body: asked)
        #expect(!other.injectsUsage)
        #expect(other.upstreamBody(asked) == asked)
        let plain = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST",
                                body: Self.bytes(#"{"model":"gpt-4o"}"#))
        #expect(!plain.injectsUsage)
    }

    @Test("a request over 16 MiB is passed on as sent but not parsed: no prompt, model and usage from the answer")
    func requestTooLargeToRead() throws {
        let prompt = String(repeating: "a", count: LLMExchange.parsedBodyLimit)
        let body = Self.bytes(#"{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":""#
            + prompt + #""}]}"#)
        var exchange = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST", body: body)
        #expect(exchange.request == nil && !exchange.injectsUsage)
        #expect(exchange.upstreamBody(body) == body)
        exchange.begin(status: 200, contentType: "application/json")
        exchange.read(body: Self.bytes(#"{"id":"c1","model":"gpt-4o-2024","choices":[],"#
            + #""usage":{"prompt_tokens":7,"completion_tokens":3}}"#))
        let json = try Self.finish(&exchange).json
        #expect(json["model"] == .string("gpt-4o-2024"))
        #expect(json["prompt"] == .null)
        #expect(json["prompt_tokens"] == .int(7))

        var unknown = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST", body: body)
        unknown.begin(status: 200, contentType: "application/json")
        unknown.read(body: Self.bytes(#"{"id":"c2","choices":[]}"#))
        let noted = try Self.finish(&unknown).json
        #expect(noted["model"] == .string("unknown"))
        #expect("\(noted)".contains("the request was over 16 MiB, not read"))
    }

    @Test("the injected usage chunk is taken out, and the usage:null it adds; usage is read from it")
    func openAIStream() throws {
        let body = Self.bytes(#"{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
        var exchange = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST", body: body)
        exchange.begin(status: 200, contentType: "text/event-stream; charset=utf-8")
        var scanner = SSEScanner()
        let upstream = [
            #"data: {"id":"chatcmpl-1","model":"gpt-4o-2024-08-06","choices":[{"delta":{"content":"Hel"}}],"usage":null}"#,
            #"data: {"id":"chatcmpl-1","model":"gpt-4o-2024-08-06","choices":[{"delta":{"content":"lo"}}],"usage":null}"#,
            #"data: {"id":"chatcmpl-1","model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":200,"prompt_tokens_details":{"cached_tokens":400}}}"#,
            "data: [DONE]",
        ].map { $0 + "\n\n" }.joined()
        var client: [UInt8] = []
        for event in scanner.feed(Self.bytes(upstream)) { client += exchange.read(event: event) }
        #expect(String(decoding: client, as: UTF8.self) == [
            #"data: {"id":"chatcmpl-1","model":"gpt-4o-2024-08-06","choices":[{"delta":{"content":"Hel"}}]}"#,
            #"data: {"id":"chatcmpl-1","model":"gpt-4o-2024-08-06","choices":[{"delta":{"content":"lo"}}]}"#,
            "data: [DONE]",
        ].map { $0 + "\n\n" }.joined())
        let event = try Self.finish(&exchange)
        #expect(event.type == .llms)
        #expect(event.id == ProxyEventID.make(responseID: "chatcmpl-1"))
        let json = event.json
        #expect(json["model"] == .string("gpt-4o-2024-08-06"))
        #expect(json["prompt_tokens"] == .int(1000))
        #expect(json["completion_tokens"] == .int(200))
        #expect(json["cached_tokens"] == .int(400))
        #expect(json["cost"] == .null)
        #expect(json["response_id"] == .string("chatcmpl-1"))
        #expect(json["completion"]?["content"] == .string("Hello"))
        #expect(json["prompt"]?.arrayValue?.count == 1)
        #expect(json["params"]?["proxy_overhead_ms"] == .number("1.234"))
        #expect(json["init_timestamp"] == .string(Self.t0.description))
        // gpt-4o: 600 × 2.5e-6 + 400 × 1.25e-6 + 200 × 1e-5 = 0.0015 + 0.0005 + 0.002
        var summary = SessionSummary(session: Session(id: Self.session, initTimestamp: Self.t0, tags: [],
                                                      hostEnv: .null, command: []))
        summary.apply(.event(event))
        #expect(summary.cost(PriceTable()) == Decimal(string: "0.004"))
    }

    @Test("Anthropic streams: prompt counts from message_start, completion from message_delta")
    func anthropicStream() throws {
        let body = Self.bytes(#"{"model":"claude-3-5-sonnet-20241022","system":"be brief","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
        var exchange = LLMExchange(provider: .anthropic, target: "/v1/messages", method: "POST", body: body)
        #expect(!exchange.injectsUsage)
        exchange.begin(status: 200, contentType: "text/event-stream")
        var scanner = SSEScanner()
        let upstream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_01","model":"claude-3-5-sonnet-20241022","usage":{"input_tokens":10,"cache_read_input_tokens":5,"output_tokens":1}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi!"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}

        event: message_stop
        data: {"type":"message_stop"}


        """
        var client: [UInt8] = []
        for event in scanner.feed(Self.bytes(upstream)) { client += exchange.read(event: event) }
        #expect(client == Self.bytes(upstream))
        let json = try Self.finish(&exchange).json
        #expect(json["prompt_tokens"] == .int(15))
        #expect(json["cached_tokens"] == .int(5))
        #expect(json["completion_tokens"] == .int(7))
        #expect(json["completion"]?["content"] == .string("Hi!"))
        #expect(json["prompt"]?.arrayValue?.first?["role"] == .string("system"))
        #expect(json["id"] == .string(ProxyEventID.make(responseID: "msg_01")))
    }

    /// Three Anthropic counts each within 10^12 summed to 3×10^12 and were recorded;
    /// `stats` read that back as 0 while `export` showed it (hostile pass, round 13).
    @Test("a prompt whose counts sum over 10^12 tokens is unknown, not recorded over the limit")
    func promptSumOverLimit() throws {
        var exchange = LLMExchange(provider: .anthropic, target: "/v1/messages", method: "POST",
                                   body: Self.bytes(#"{"model":"claude-3-5-sonnet-20241022","messages":[]}"#))
        exchange.begin(status: 200, contentType: "application/json")
        exchange.read(body: Self.bytes(#"{"id":"msg_big","model":"claude-3-5-sonnet-20241022","content":[],"usage":{"input_tokens":1000000000000,"cache_read_input_tokens":1000000000000,"cache_creation_input_tokens":1000000000000,"output_tokens":5}}"#))
        let json = try Self.finish(&exchange).json
        #expect(json["prompt_tokens"] == .null, "\(json)")
        #expect(json["completion_tokens"] == .int(5))
    }

    @Test("non-streamed bodies: chat, messages, embeddings (no id: a fresh event id), and unknown usage noted")
    func bodies() throws {
        var chat = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST",
                               body: Self.bytes(#"{"model":"gpt-4o-mini","messages":[]}"#))
        chat.begin(status: 200, contentType: "application/json")
        let answer = #"{"id":"chatcmpl-9","model":"gpt-4o-mini-2024-07-18","choices":[{"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#
        for part in Self.bytes(answer).chunks(ofCount: 7) { chat.read(body: part) }
        let chatJSON = try Self.finish(&chat).json
        #expect(chatJSON["completion"]?["content"] == .string("ok"))
        #expect(chatJSON["prompt_tokens"] == .int(3))

        var embeddings = LLMExchange(provider: .openai, target: "/embeddings", method: "POST",
                                     body: Self.bytes(#"{"model":"text-embedding-3-small","input":"x"}"#))
        embeddings.begin(status: 200, contentType: "application/json")
        embeddings.read(body: Self.bytes(#"{"data":[],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}"#))
        let embedded = try Self.finish(&embeddings)
        #expect(embedded.json["prompt_tokens"] == .int(8))
        #expect(embedded.json["completion_tokens"] == .int(0))
        #expect(embedded.json["response_id"] == .null)

        var unknown = LLMExchange(provider: .openai, target: "/chat/completions", method: "POST",
                                  body: Self.bytes(#"{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false}}"#))
        unknown.begin(status: 200, contentType: "text/event-stream")
        let json = try Self.finish(&unknown).json
        #expect(json["prompt_tokens"] == .null)
        #expect(json["returns"] == .string("usage unknown: the response had no usage block"))

        var models = LLMExchange(provider: .openai, target: "/models", method: "GET", body: [])
        models.begin(status: 200, contentType: "application/json")
        models.read(body: Self.bytes(#"{"data":[]}"#))
        #expect(models.event(session: Self.session, start: Self.t0, end: Self.t1, complete: true,
                             overheadMicroseconds: 0) == nil)

        var failed = LLMExchange(provider: .anthropic, target: "/v1/messages", method: "POST", body: [])
        failed.begin(status: 429, contentType: "application/json")
        let error = try Self.finish(&failed)
        #expect(error.type == .errors)
        #expect(error.json["code"] == .string("429"))
    }

    @Test("prompts over the limit are cut with a marker, never inside a UTF-8 sequence")
    func capped() {
        let long = String(repeating: "é", count: LLMExchange.recordedBytesLimit)
        guard case let .string(text) = LLMExchange.capped(.string(long)) else {
            Issue.record("not a string")
            return
        }
        #expect(text.hasSuffix("bytes left out]"))
        #expect(text.utf8.count < LLMExchange.recordedBytesLimit + 40)
        #expect(LLMExchange.capped(.string("short")) == .string("short"))
    }

    @Test("proxy event ids are UUIDs, the same for the same response id and count")
    func eventIDs() {
        let id = ProxyEventID.make(responseID: "chatcmpl-abc")
        #expect(ProxyEventID.make(responseID: "chatcmpl-abc", occurrence: 1) == id)
        let second = ProxyEventID.make(responseID: "chatcmpl-abc", occurrence: 2)
        #expect(second != id && second == ProxyEventID.make(responseID: "chatcmpl-abc", occurrence: 2))
        #expect(second != ProxyEventID.make(responseID: "chatcmpl-abc", occurrence: 3))
        #expect(id == ProxyEventID.make(responseID: "chatcmpl-abc"))
        #expect(id != ProxyEventID.make(responseID: "chatcmpl-abd"))
        #expect(UUID(uuidString: id) != nil)
        #expect(Array(id)[14] == "8")
    }

    @Test("HTTP heads: parsed, hop-by-hop fields dropped; chunked bodies decoded across splits")
    func http() throws {
        let raw = Self.bytes("POST /openai/x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
            + "Authorization: Bearer k\r\nContent-Length: 2\r\n\r\n{}")
        guard case let .head(head, length) = HTTPHead.parse(raw[...]) else {
            Issue.record("no head")
            return
        }
        #expect(length == raw.count - 2)
        #expect(head.start == ("POST", "/openai/x", "HTTP/1.1"))
        #expect(try head.contentLength() == 2)
        #expect(head.endToEndFields.map(\.name) == ["Authorization"])
        #expect(HTTPHead.parse(Array(raw.prefix(20))[...]) == .incomplete)
        let body = Self.bytes("5;x=y\r\nhello\r\n1\r\n \r\n0\r\nTrailer: z\r\n\r\n")
        for split in 1..<body.count {
            var decoder = HTTPChunked.Decoder()
            let out = decoder.feed(body[..<split]) + decoder.feed(body[split...])
            #expect(out == Self.bytes("hello "))
            #expect(decoder.isFinished)
        }
        #expect(HTTPChunked.chunk(Self.bytes("hey")) == Self.bytes("3\r\nhey\r\n"))
    }
}

extension Array {
    fileprivate func chunks(ofCount count: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: self.count, by: count).map { self[$0..<Swift.min($0 + count, self.count)] }
    }
}
