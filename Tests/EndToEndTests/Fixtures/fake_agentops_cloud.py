#!/usr/bin/env python3
"""A fake AgentOps cloud on 127.0.0.1 for tests, as the 0.4 SDK meets it: the API's
/v3/auth/token and the OTLP/HTTP traces endpoint on one port. It checks what a real
one checks (the key, the bearer token, the content type) and decodes the protobuf by
hand. Prints its port on the first line of stdout, then serves until killed (or for
at most 300 s).

usage: fake_agentops_cloud.py LOG MODE KEY
  LOG   file that gets one JSON line per request: method, path, status, headers, body
        (auth: the JSON), body_hex and decoded (traces: resource attributes and spans)
  MODE  ok | expire-token (the first token is refused with 401 on its first use) |
        reject-tokens (every traces request gets 401) | bench (ok, without decoding:
        for scripts/bench-cloud, so that it costs what fake_otlp.py costs) |
        unavailable-once (the first traces request gets 503 with Retry-After: 1)
  KEY   the only API key /v3/auth/token accepts (others: 403, as the real server)
"""
import json
import sys
import threading
from http.server import ThreadingHTTPServer

from fake_handler import FakeHandler

LOG, MODE, KEY = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
state = {"tokens": 0, "traces": 0, "expired": False}


def fields(data):
    """(field number, wire type, value) of a protobuf message; LEN values as bytes."""
    i = 0

    def varint():
        nonlocal i
        value = shift = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            yield number, wire, varint()
        elif wire == 1:
            yield number, wire, data[i:i + 8]
            i += 8
        elif wire == 5:
            yield number, wire, data[i:i + 4]
            i += 4
        elif wire == 2:
            length = varint()
            yield number, wire, data[i:i + length]
            i += length
        else:
            raise ValueError("wire type %d" % wire)


def key_value(data):
    """A KeyValue as (key, value): strings and integers as they are, other values (double,
    array, bytes) as the hex of their encoding."""
    key, value = "", None
    for number, wire, payload in fields(data):
        if number == 1:
            key = payload.decode()
        elif number == 2:
            for n, w, v in fields(payload):
                value = v.decode() if n == 1 else v if isinstance(v, int) else v.hex()
    return key, value


def decode(body):
    """ExportTraceServiceRequest: per ResourceSpans its resource's attributes and spans."""
    out = []
    for number, _, resource_spans in fields(body):
        if number != 1:
            continue
        entry = {"resource": {}, "spans": []}
        for n, _, payload in fields(resource_spans):
            if n == 1:
                for m, _, attribute in fields(payload):
                    if m == 1:
                        key, value = key_value(attribute)
                        entry["resource"][key] = value
            elif n == 2:
                for m, _, span in fields(payload):
                    if m != 2:
                        continue
                    decoded = {"attributes": {}}
                    for f, _, v in fields(span):
                        if f == 1:
                            decoded["trace_id"] = v.hex()
                        elif f == 2:
                            decoded["span_id"] = v.hex()
                        elif f == 4:
                            decoded["parent_span_id"] = v.hex()
                        elif f == 5:
                            decoded["name"] = v.decode()
                        elif f == 9:
                            key, value = key_value(v)
                            decoded["attributes"][key] = value
                        elif f == 15:
                            decoded["status_code"] = dict((a, b) for a, _, b in fields(v)).get(3, 0)
                    entry["spans"].append(decoded)
        out.append(entry)
    return out


class Handler(FakeHandler):
    log_file = LOG

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/v3/auth/token":
            body = json.loads(raw or b"{}")
            if body.get("api_key") != KEY:
                return self.log_and_answer(403, b'{"error":"Invalid API key"}', "application/json", {"body": body})
            with lock:
                state["tokens"] += 1
                token = "jwt-%d" % state["tokens"]
            answer = {"token": token, "project_id": "proj-e2e", "project_prem_status": "pro"}
            return self.log_and_answer(200, json.dumps(answer).encode(), "application/json", {"body": body})
        if self.path != "/v1/traces":
            return self.log_and_answer(404, b"", "text/plain", {})
        entry = {"body_hex": raw.hex()}
        with lock:
            state["traces"] += 1
            number = state["traces"]
            current = "Bearer jwt-%d" % state["tokens"]
            expire = MODE == "reject-tokens" or MODE == "expire-token" and not state["expired"]
            if expire:
                state["expired"] = True
        if self.headers.get("Authorization") != current or expire:
            return self.log_and_answer(401, b"", "application/x-protobuf", entry)
        if self.headers.get("Content-Type") != "application/x-protobuf":
            return self.log_and_answer(415, b"", "text/plain", entry)
        if MODE != "bench":
            entry["decoded"] = decode(raw)
        if MODE == "unavailable-once" and number == 1:
            return self.log_and_answer(503, b"", "application/x-protobuf", entry, {"Retry-After": "1"})
        self.log_and_answer(200, b"", "application/x-protobuf", entry)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Timer(300, server.shutdown).start()
server.serve_forever()
