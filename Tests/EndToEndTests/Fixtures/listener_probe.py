#!/usr/bin/env python3
"""Run under agentops-run: feeds the loopback listener malformed, truncated, oversized,
slow and unauthorised requests over raw sockets, checking after each that it still
answers a good one, and prints one JSON object of what it saw.

usage: listener_probe.py    (AGENTOPS_API_ENDPOINT / AGENTOPS_API_KEY from the wrapper)
"""
import functools
import json
import socket
import time

import listener_socket
from listener_socket import host, key, leftover, read_response

results = {}
connect = functools.partial(listener_socket.connect, timeout=10)


def request(path, body, headers=None, raw=None):
    payload = json.dumps(body).encode() if raw is None else raw
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    for k, v in (headers if headers is not None else {"X-Agentops-Api-Key": key}).items():
        head += f"{k}: {v}\r\n"
    head += f"Content-Length: {len(payload)}\r\n\r\n"
    return head.encode() + payload


def exchange(data, close_after_send=False):
    s = connect()
    s.sendall(data)
    if close_after_send:
        s.shutdown(socket.SHUT_WR)
    try:
        return read_response(s)
    finally:
        leftover.pop(s.fileno(), None)
        s.close()


def healthy():
    """A good create_agent call on a fresh connection answers 200 "Success"."""
    r = exchange(request("/v2/create_agent", {"id": "a1", "name": "probe"}))
    return r is not None and r[0] == 200 and r[2] == "Success"


def status(r):
    return None if r is None else [r[0], r[2]]


results["garbage"] = status(exchange(b"\x00\x01 this is not http\r\n\r\n"))
results["after_garbage"] = healthy()
results["bad_json"] = status(exchange(request("/v2/create_events", None, raw=b"{not json")))
results["events_not_list"] = status(exchange(request("/v2/create_events", {"events": 5})))
results["event_without_time"] = status(exchange(request("/v2/create_events",
                                                        {"events": [{"id": "x", "event_type": "actions"}]})))
results["wrong_key"] = status(exchange(request("/v2/create_session", {"session": {"session_id": "s"}},
                                               headers={"X-Agentops-Api-Key": "00000000-0000-4000-8000-000000000000"})))
results["no_auth"] = status(exchange(request("/v2/create_events", {"events": []}, headers={})))
results["bad_jwt"] = status(exchange(request("/v2/update_session", {"session": {}},
                                             headers={"Authorization": "Bearer forged"})))
results["unknown_path"] = status(exchange(request("/v2/delete_everything", {})))
results["get"] = status(exchange(f"GET /v2/create_session HTTP/1.1\r\nHost: x\r\nX-Agentops-Api-Key: {key}\r\n\r\n".encode()))
results["oversized"] = status(exchange(
    f"POST /v2/create_events HTTP/1.1\r\nHost: x\r\nX-Agentops-Api-Key: {key}\r\nContent-Length: 999999999999\r\n\r\n".encode()))
results["huge_head"] = status(exchange(b"POST /v2/create_events HTTP/1.1\r\nX-Pad: " + b"a" * 100000 + b"\r\n\r\n"))
results["chunked"] = status(exchange(
    f"POST /v2/create_events HTTP/1.1\r\nHost: x\r\nX-Agentops-Api-Key: {key}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".encode()))
# Truncated: the body is shorter than Content-Length and the client stops sending.
truncated = request("/v2/create_agent", {"id": "a2", "name": "cut"})[:-5]
results["truncated_closed"] = status(exchange(truncated, close_after_send=True))
results["after_truncated"] = healthy()

# Slowloris: a head trickled one byte at a time never completes within the timeout;
# meanwhile other clients are served at once.
slow = connect()
started = time.monotonic()
slow.sendall(b"POST /v2/create_agent HTTP/1.1\r\n")
results["served_while_slow"] = healthy()
try:
    for byte in b"Host: x\r\nX-Slow: " + b"z" * 100:
        slow.sendall(bytes([byte]))
        time.sleep(0.05)
        if time.monotonic() - started > 8:
            break
    r = read_response(slow)
except OSError:
    r = None
results["slow"] = status(r)
results["slow_seconds"] = round(time.monotonic() - started, 1)
slow.close()
results["after_slow"] = healthy()

# Keep-alive with two pipelined requests on one connection, then a third after both.
s = connect()
s.sendall(request("/v2/create_agent", {"id": "k1", "name": "one"}) + request("/v2/create_agent", {"id": "k2", "name": "two"}))
first, second = read_response(s), read_response(s)
s.sendall(request("/v2/create_agent", {"id": "k3", "name": "three"}))
third = read_response(s)
s.close()
results["keep_alive"] = [status(first), status(second), status(third)]

# A whole SDK-style exchange on a kept-alive connection.
s = connect()
s.sendall(request("/v2/create_session", {"session": {"session_id": "probe-session", "tags": ["probe"]}}))
created = read_response(s)
jwt = created[2]["jwt"]
now = "2026-11-21T05:22:32.500398+00:00"
s.sendall(request("/v2/create_events", {"events": [
    {"id": "e1", "event_type": "llms", "init_timestamp": now, "end_timestamp": now, "model": "gpt-4o",
     "prompt_tokens": 10, "completion_tokens": 5, "cost": None, "session_id": "probe-session"}]},
    headers={"Authorization": f"Bearer {jwt}"}))
events = read_response(s)
s.sendall(request("/v2/update_session", {"session": {"session_id": "probe-session", "tags": ["probe", "late"]}},
                  headers={"Authorization": f"Bearer {jwt}"}))
updated = read_response(s)
s.close()
results["sdk_flow"] = [created[0], events[0], status(events), updated[0], updated[2].get("token_cost")]
print(json.dumps(results))
