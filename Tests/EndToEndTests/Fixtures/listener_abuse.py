#!/usr/bin/env python3
"""Run under agentops-run: abuses the loopback listener as any local process could
(40 idle connections, 8 concurrent 32 MiB bodies, 8 concurrent 7 MiB event batches),
then makes real SDK-style calls, and prints one JSON object: the statuses seen and the
wrapper's peak RSS (VmHWM of the parent process, in KiB).
"""
import functools
import json
import os
import threading
import time

import listener_socket
from listener_socket import host, key

seen = {}
connect = functools.partial(listener_socket.connect, timeout=20)


def status_of(s):
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None
            data += chunk
    except OSError:
        return None
    return int(data.split(b"\r\n", 1)[0].split()[1])


def request(path, body, headers, s=None):
    s = s or connect()
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(body)}\r\n\r\n"
    try:
        s.sendall(head.encode() + body)
    except OSError:
        pass
    status = status_of(s)
    s.close()
    return status


def idle(count):
    sockets = []
    for _ in range(count):
        try:
            sockets.append(connect())
        except OSError:
            pass
    return sockets


def concurrently(count, work):
    results = [None] * count

    def run(index):
        results[index] = work()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def batch(size):
    event = {"id": "e", "event_type": "actions", "init_timestamp": "2026-01-01T00:00:00+00:00",
             "action_type": "big", "logs": "x" * size}
    return json.dumps({"events": [event]}).encode()


held = idle(40)
huge = b"[" + b" " * (32 << 20) + b"]"
seen["huge"] = concurrently(8, lambda: request("/v2/create_events", huge, {"X-Agentops-Api-Key": key}))
big = batch(7 << 20)
seen["big"] = concurrently(8, lambda: request("/v2/create_events", big, {"X-Agentops-Api-Key": key}))
# Idle clients again, then at once a real SDK session: it must get through.
held += idle(40)
s = connect()
s.sendall(b"POST /v2/create_session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + f"X-Agentops-Api-Key: {key}\r\n".encode() + b"Content-Length: 48\r\n\r\n"
          + b'{"session": {"session_id": "sdk-session-00001"}}')
data = b""
while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
head, body = data.split(b"\r\n\r\n", 1)
seen["create_session"] = int(head.split()[1])
jwt = json.loads(body)["jwt"]
small = json.dumps({"events": [{"id": "small", "event_type": "actions", "action_type": "ok",
                                "init_timestamp": "2026-01-01T00:00:00+00:00", "logs": "fine"}]}).encode()
seen["create_events"] = request("/v2/create_events", small, {"Authorization": f"Bearer {jwt}"}, s)
seen["unauthorised_huge"] = request("/v2/create_events", b"x" * (1 << 20), {})
for sock in held:
    sock.close()
with open(f"/proc/{os.getppid()}/status") as status:
    seen["peak_rss_kib"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps(seen))
