#!/usr/bin/env python3
"""A fake OTLP/HTTP trace collector on 127.0.0.1 for tests: records every request and
can misbehave on demand. Prints its port on the first line of stdout, then serves until
killed (or for at most 300 s).

usage: fake_otlp.py LOG MODE
  LOG   file that gets one JSON line per request: method, path, status, headers,
        body_hex (the body as received, still compressed if it was)
  MODE  ok | unavailable-once (503 with Retry-After: 1 for the first request, then ok) |
        bad-request (400 with a google.rpc.Status message) |
        partial (200 with partial_success: 1 rejected span, "span too old") |
        bad-framing (200 with "Transfer-Encoding: gzip", logged with status "malformed")
"""
import sys
import threading
from http.server import ThreadingHTTPServer

from fake_handler import FakeHandler

LOG, MODE = sys.argv[1], sys.argv[2]
lock = threading.Lock()
state = {"requests": 0}


def field(number, payload):
    """A protobuf LEN field (payloads here are shorter than 128 bytes)."""
    return bytes([number << 3 | 2, len(payload)]) + payload


class Handler(FakeHandler):
    log_file = LOG
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            state["requests"] += 1
            number = state["requests"]
        status, body, headers = 200, b"", {}
        if MODE == "bad-framing":
            self.append_to_log("malformed", {"body_hex": raw.hex()})
            self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")
            self.close_connection = True
            return
        if MODE == "unavailable-once" and number == 1:
            status, headers = 503, {"Retry-After": "1"}
        elif MODE == "bad-request":
            status, body = 400, bytes([0x08, 3]) + field(2, b"invalid span: trace id is zero")
        elif MODE == "partial":
            body = field(1, bytes([0x08, 1]) + field(2, b"span too old"))
        self.log_and_answer(status, body, "application/x-protobuf", {"body_hex": raw.hex()}, headers)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Timer(300, server.shutdown).start()
server.serve_forever()
