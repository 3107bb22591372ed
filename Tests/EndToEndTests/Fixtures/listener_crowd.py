#!/usr/bin/env python3
"""Run under agentops-run: CLIENTS (argv[1], default 40) SDK-style clients at once, each
posting REQUESTS (argv[2], default 5) one-event `create_events` batches (every third an
OTLP/JSON span instead) over its own keep-alive connection, a new one after a refusal.
Prints one JSON line: each client's statuses in order ("closed" when the listener closed
the connection without an answer, as it does to make room; "refused" when it could not
connect), then "done", and exits 3: the test checks that the output and the status come
through untouched.
"""
import json
import os
import sys
import threading
import time

import listener_socket
from listener_socket import host, key

# Python itself must fit the test's `ulimit -v` with 40 threads: small stacks, and two
# malloc arenas (glibc reserves 64 MiB for each of up to 8 per core), asked for before
# the interpreter starts.
if os.environ.get("MALLOC_ARENA_MAX") != "2":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, MALLOC_ARENA_MAX="2"))
threading.stack_size(256 << 10)
clients = int(sys.argv[1]) if len(sys.argv) > 1 else 40
requests = int(sys.argv[2]) if len(sys.argv) > 2 else 5
# "careless": only `create_events`, and after a 503 the next request goes over the same
# connection, which the listener is closing (a client that ignores `Connection: close`):
# the pattern that most often killed a run under `ulimit -v` before round 7.
careless = len(sys.argv) > 3 and sys.argv[3] == "careless"
statuses = [[] for _ in range(clients)]


def request(index, number):
    if number % 3 == 2 and not careless:
        span = {"traceId": f"{index + 1:032x}", "spanId": f"{index * 100 + number + 1:016x}", "name": "crowd",
                "startTimeUnixNano": "1", "endTimeUnixNano": "2"}
        body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()
        path = "/v1/traces"
    else:
        event = {"id": f"crowd-{index}-{number}", "event_type": "actions", "action_type": "crowd",
                 "init_timestamp": "2026-01-01T00:00:00+00:00", "logs": "x" * 1000}
        body = json.dumps({"events": [event]}).encode()
        path = "/v2/create_events"
    return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"X-Agentops-Api-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def client(index):
    """Makes the requests as an SDK would: on a refusal (503) or a closed connection the
    next one goes over a new connection (after a 503 the same one when `careless`)."""
    s = None
    for number in range(requests):
        try:
            s = s or listener_socket.connect(timeout=30)
        except OSError:
            statuses[index].append("refused")
            continue
        try:
            s.sendall(request(index, number))
            response = listener_socket.read_response(s)
        except OSError:
            response = None
        statuses[index].append("closed" if response is None else response[0])
        if response is None or (response[0] == 503 and not careless):
            s.close()
            s = None
        time.sleep(0.2)
    if s is not None:
        s.close()


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(statuses))
print("done")
sys.exit(3)
