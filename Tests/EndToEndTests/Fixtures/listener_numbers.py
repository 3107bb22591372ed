#!/usr/bin/env python3
"""Run under agentops-run: posts LLM events with absurd, negative and fine numbers to
the loopback listener as the SDK would, then update_session, and prints one JSON
object of the statuses (and the messages and token_cost the test checks)."""
import json
import os
import urllib.request
import uuid

url = os.environ["AGENTOPS_API_ENDPOINT"]
key = os.environ["AGENTOPS_API_KEY"]
session = str(uuid.uuid4())


def post(path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-Agentops-Api-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def llm(prompt, completion, cost=None, raw=None):
    event = {"id": str(uuid.uuid4()), "event_type": "llms", "init_timestamp": "2026-01-01T00:00:00+00:00",
             "end_timestamp": "2026-01-01T00:00:01+00:00", "model": "gpt-4o", "prompt_tokens": prompt,
             "completion_tokens": completion, "cost": cost}
    body = json.dumps({"events": [event]})
    if raw:
        body = body.replace('"cost": null', '"cost": ' + raw)
    request = urllib.request.Request(url + "/v2/create_events", data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-Agentops-Api-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


seen = {}
seen["huge"], _ = llm(5000000000000000000, 0)
seen["huge_again"], _ = llm(5000000000000000000, 0)
seen["negative"], message = llm(-1000, 0)
seen["negative_message"] = json.dumps(message)
seen["overflowing_cost"], _ = llm(1, 1, raw="1e400")
seen["long_cost"], _ = llm(1, 1, raw="0.123456789012345678901234567890123456789")
seen["fine"], _ = llm(1000, 500)
status, answer = post("/v2/update_session", {"session": {"id": session, "tags": ["n"]}})
seen["update"] = status
seen["token_cost"] = (answer or {}).get("token_cost")
print(json.dumps(seen))
