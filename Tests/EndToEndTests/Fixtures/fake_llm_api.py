#!/usr/bin/env python3
"""A fake OpenAI and Anthropic API on 127.0.0.1 for the LLM proxy's tests: answers
like each provider (usage in the last stream chunk, error statuses) and records the
exact bytes of every response body it sends. Prints its port on the first line of
stdout, then serves until killed (or for at most 300 s).

usage: fake_llm_api.py LOG [CHUNKS [DELAY_MS]]
  LOG       file that gets one JSON line per request: path, request headers and body,
            status, the body bytes sent (base64), and the bytes a client that made
            the request itself would get (the proxy may ask OpenAI for the usage
            chunk: without it, those are the bytes rendered for the original request)
  CHUNKS    content chunks per streamed answer (default 3)
  DELAY_MS  pause before each streamed chunk (default 0)

Routes: POST /v1/chat/completions, /v1/embeddings, /v1/responses (OpenAI, base URL
http://127.0.0.1:PORT/v1), POST /v1/messages (Anthropic, base URL
http://127.0.0.1:PORT). Model "error-429" answers 429 with each provider's error body;
model "bad-length" answers a head with "Content-Length: -5" (and is not logged); model
"same-id" answers every chat call with the one id "chatcmpl-same", as some servers do;
model "huge-event" streams one event of 20 MiB (in 64 KiB writes), waits 3 s, then ends
it and sends [DONE]; model "silent" reads the request and answers nothing for 30 s.
"""
import base64
import itertools
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
CHUNKS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
DELAY = (int(sys.argv[3]) if len(sys.argv) > 3 else 0) / 1000
lock = threading.Lock()
counter = itertools.count(1)

# Fixed usage, so tests can price it.
OPENAI_USAGE = {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
                "prompt_tokens_details": {"cached_tokens": 200}}
ANTHROPIC_USAGE = {"input_tokens": 1000, "cache_read_input_tokens": 500, "cache_creation_input_tokens": 0,
                   "output_tokens": 400}
INJECTED = b'"stream_options":{"include_usage":true},'


def sse(obj, event=None):
    head = f"event: {event}\n" if event else ""
    return (head + "data: " + json.dumps(obj, separators=(",", ":")) + "\n\n").encode()


def chat_stream(request, n):
    rid = f"chatcmpl-fake{n}"
    include = (request.get("stream_options") or {}).get("include_usage") is True
    parts = []
    for i in range(CHUNKS):
        chunk = {"id": rid, "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
                 "choices": [{"index": 0, "delta": ({"role": "assistant", "content": f"w{i} "} if i == 0
                                                    else {"content": f"w{i} "}), "finish_reason": None}]}
        if include:
            chunk["usage"] = None
        parts.append(sse(chunk))
    last = {"id": rid, "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    if include:
        last["usage"] = None
    parts.append(sse(last))
    if include:
        parts.append(sse({"id": rid, "object": "chat.completion.chunk", "created": 1700000000,
                          "model": "gpt-4o-mini-2024-07-18", "choices": [], "usage": OPENAI_USAGE}))
    parts.append(b"data: [DONE]\n\n")
    return parts


def anthropic_stream(request, n):
    rid = f"msg_fake{n}"
    start_usage = dict(ANTHROPIC_USAGE, output_tokens=1)
    parts = [sse({"type": "message_start", "message": {"id": rid, "type": "message", "role": "assistant",
                                                       "content": [], "model": request["model"], "stop_reason": None,
                                                       "stop_sequence": None, "usage": start_usage}}, "message_start"),
             sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                 "content_block_start")]
    for i in range(CHUNKS):
        parts.append(sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f"w{i} "}},
                         "content_block_delta"))
    parts += [sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
              sse({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                   "usage": {"output_tokens": ANTHROPIC_USAGE["output_tokens"]}}, "message_delta"),
              sse({"type": "message_stop"}, "message_stop")]
    return parts


def answer_for(path, request, n):
    """(status, content type, list of body parts, streamed)."""
    model = request.get("model", "")
    if model == "error-429":
        if path.endswith("/messages"):
            body = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
        else:
            body = {"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}}
        return 429, "application/json", [json.dumps(body).encode()], False
    if path == "/v1/chat/completions":
        if request.get("stream") and model == "huge-event":
            parts = [b"data: "] + [b"z" * 65536] * 320 + [b"\n\n", b"data: [DONE]\n\n"]
            return 200, "text/event-stream", parts, True
        if request.get("stream"):
            return 200, "text/event-stream; charset=utf-8", chat_stream(request, n), True
        rid = "chatcmpl-same" if model == "same-id" else f"chatcmpl-fake{n}"
        body = {"id": rid, "object": "chat.completion", "created": 1700000000,
                "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello there"},
                             "finish_reason": "stop"}], "usage": OPENAI_USAGE}
        return 200, "application/json", [json.dumps(body).encode()], False
    if path == "/v1/embeddings":
        body = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
                "model": "text-embedding-3-small", "usage": {"prompt_tokens": 5000, "total_tokens": 5000}}
        return 200, "application/json", [json.dumps(body).encode()], False
    if path == "/v1/messages":
        if request.get("stream"):
            return 200, "text/event-stream; charset=utf-8", anthropic_stream(request, n), True
        body = {"id": f"msg_fake{n}", "type": "message", "role": "assistant", "model": request["model"],
                "content": [{"type": "text", "text": "hello there"}], "stop_reason": "end_turn",
                "stop_sequence": None, "usage": ANTHROPIC_USAGE}
        return 200, "application/json", [json.dumps(body).encode()], False
    return 404, "application/json", [b'{"error":{"message":"no such route"}}'], False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body go out in separate writes: without this, Nagle and delayed ACKs add 40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_request(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.handle_request(self.rfile.read(length))

    def handle_request(self, raw):
        n = next(counter)
        try:
            request = json.loads(raw) if raw else {}
        except ValueError:
            request = {}
        if request.get("model") == "bad-length":
            self.close_connection = True
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: -5\r\n"
                             b"Connection: close\r\n\r\n{}")
            return
        if request.get("model") == "silent":
            time.sleep(30)
            self.close_connection = True
            return
        path = self.path.split("?")[0]
        status, ctype, parts, streamed = answer_for(path, request, n)
        # What a client that sent the request itself would get.
        if raw.startswith(b"{" + INJECTED):
            original = json.loads(b"{" + raw[len(INJECTED) + 1:])
            expected = b"".join(answer_for(path, original, n)[2])
        else:
            expected = b"".join(parts)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("x-request-id", f"req_{n}")
        if streamed:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(sum(len(p) for p in parts)))
        self.end_headers()
        for part in parts:
            if streamed:
                if DELAY:
                    time.sleep(DELAY)
                if request.get("model") == "huge-event" and part == b"\n\n":
                    time.sleep(3)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            else:
                self.wfile.write(part)
            self.wfile.flush()
        if streamed:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        entry = {"n": n, "path": self.path, "status": status,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "request": raw.decode("utf-8", "replace"),
                 "sent": base64.b64encode(b"".join(parts)).decode(),
                 "expected": base64.b64encode(expected).decode()}
        with lock:
            with open(LOG, "a") as log:
                log.write(json.dumps(entry) + "\n")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Timer(300, server.shutdown).start()
server.serve_forever()
