#!/usr/bin/env python3
"""Run under agentops-run: sends the listener's AgentOps v2 calls with and without a
Content-Encoding (the SDK sends none), and prints {case: [status, message]} as JSON.

The endpoint is AGENTOPS_API_ENDPOINT / AGENTOPS_API_KEY (set by agentops-run).
Standard library only."""
import gzip
import json
import os
import urllib.error
import urllib.request
import zlib

base = os.environ["AGENTOPS_API_ENDPOINT"]
key = os.environ["AGENTOPS_API_KEY"]
now = "2026-11-21T05:22:32.500398+00:00"


def post(path, payload, encoding=None, compress=None, auth=True):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    if auth:
        headers["X-Agentops-Api-Key"] = key
    if encoding:
        headers["Content-Encoding"] = encoding
        body = compress(body) if compress else body
    request = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    try:
        message = json.loads(data).get("message", "")
    except (ValueError, AttributeError):
        message = data.decode(errors="replace")
    return [status, message]


def events(event_id):
    return {"events": [{"id": event_id, "event_type": "actions", "init_timestamp": now, "end_timestamp": now,
                        "action_type": "probe", "logs": event_id}]}


seen = {
    "gzip_events": post("/v2/create_events", events("gzip-event"), "gzip", gzip.compress),
    "deflate_events": post("/v2/create_events", events("deflate-event"), "deflate", zlib.compress),
    "identity_then_gzip": post("/v2/create_events", events("mixed-event"), "identity, gzip", gzip.compress),
    "gzip_session": post("/v2/create_session", {"session": {"session_id": "enc"}}, "gzip", gzip.compress),
    "gzip_without_key": post("/v2/create_events", events("nokey-event"), "gzip", gzip.compress, auth=False),
    "identity_events": post("/v2/create_events", events("identity-event"), "identity"),
    "plain_events": post("/v2/create_events", events("plain-event")),
}
print(json.dumps(seen))
