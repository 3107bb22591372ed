#!/usr/bin/env python3
"""Run under agentops-run: sends the listener bodies it must refuse the way ordinary HTTP
clients send them (urllib: the head, then the whole body, then it reads the answer), and a
16 MiB gzip bomb, and prints {case: [status or the exception's name, message, seconds]} as
JSON. A refusal must reach the client as an answer, not as a connection reset.

The endpoints are AGENTOPS_API_ENDPOINT / AGENTOPS_API_KEY and
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (set by agentops-run). Standard library only."""
import gzip
import json
import os
import socket
import time
import urllib.parse
import urllib.error
import urllib.request

from protobuf_writer import field

traces = os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
events = os.environ["AGENTOPS_API_ENDPOINT"] + "/v2/create_events"
key = os.environ["AGENTOPS_API_KEY"]


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    except OSError as error:  # a reset, a broken pipe: the answer was lost
        return [type(error).__name__, str(error), time.monotonic() - started]
    seconds = time.monotonic() - started
    try:
        message = json.loads(data).get("message", "")
    except ValueError:
        message = data.decode(errors="replace")  # OTLP protobuf: a google.rpc.Status holding the text
    return [status, message, seconds]


protobuf = {"Content-Type": "application/x-protobuf"}
span = field(1, bytes.fromhex("0af7651916cd43dd8448eb211c80319c")) + field(2, bytes.fromhex("00f067aa0ba902c1")) \
    + field(5, b"after.tool") + field(9, field(1, b"agentops.span.kind") + field(2, field(1, b"tool")))
good = field(1, field(2, field(2, span)))

# 257 gzip members of 64 MiB of zeros each: 16.0 MiB on the wire (under the route's
# limit), 16 GiB inflated.
member = gzip.compress(b"\0" * (64 << 20), 9)
bomb = member * ((16 << 20) // len(member))

seen = {
    # Over OTLP's 16 MiB: refused from the head, while the body is still being sent.
    "otlp_over_limit": post(traces, b"\0" * ((16 << 20) + 1), protobuf),
    # Over the listener's 32 MiB for any route.
    "over_listener_limit": post(traces, b"\0" * ((32 << 20) + 1), protobuf),
    # Over create_events' own limit (8 MiB), with the key.
    "create_events_over_limit": post(events, b" " * ((8 << 20) + 1),
                                     {"Content-Type": "application/json", "X-Agentops-Api-Key": key}),
    # Unauthorised, with a body: refused before it is read.
    "unauthorised_with_body": post(events, b"{}" + b" " * (4 << 20), {"Content-Type": "application/json"}),
    "bomb": post(traces, bomb, {**protobuf, "Content-Encoding": "gzip"}),
    # A one-member bomb, small on the wire (17 KB): refused as quickly.
    "small_bomb": post(traces, gzip.compress(b"\0" * (17 << 20), 9), {**protobuf, "Content-Encoding": "gzip"}),
}

# Every connection taken by a trusted request still sending its body (never evicted):
# a new client gets the 503, readable, whatever the size of the body it sends.
address = urllib.parse.urlsplit(events)
busy = []
for _ in range(32):
    held = socket.create_connection((address.hostname, address.port))
    held.sendall(b"POST /v2/create_events HTTP/1.1\r\nHost: x\r\nX-Agentops-Api-Key: %s\r\n"
                 b"Content-Length: 1000\r\n\r\n{" % key.encode())
    busy.append(held)
# Until its thread has read the head, a held connection counts as waiting, and a new
# client evicts the oldest waiting one: on a loaded CI machine (this test took 101 s)
# half a second was not enough for 32 threads, and the new client was served (400).
time.sleep(3)
for size in (10, 100000):
    seen["all_taken_%d" % size] = post(events, b" " * size,
                                       {"Content-Type": "application/json", "X-Agentops-Api-Key": key})
for held in busy:
    held.close()
time.sleep(0.5)
seen["good_after"] = post(traces, good, protobuf)
print(json.dumps(seen))
