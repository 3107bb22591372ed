#!/usr/bin/env python3
"""A fast fake OTLP/HTTP collector (and AgentOps v2 API) for benchmarks, on 127.0.0.1:
answers every POST with an empty 200 (v2 calls with a JWT) and keeps only counts.
Prints its port on the first line of stdout, then serves until killed.

usage: otlp_sink.py
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for
    # the ACK of the headers, which the client delays by 40 ms (Nagle and delayed
    # ACK), adding 40 ms to some answers that no real server would add.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        while length > 0:
            length -= len(self.rfile.read(min(length, 1 << 20)) or b"x" * length)
        if self.path.startswith("/v2/"):
            body = json.dumps({"status": "success", "jwt": "bench-jwt", "session_url": "http://bench",
                               "token_cost": "0.00"}).encode()
            kind = "application/json"
        else:
            body, kind = b"", self.headers.get("Content-Type", "application/x-protobuf")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
