#!/usr/bin/env python3
"""Sends agentops-run's listener BATCHES AgentOps v2 `create_events` requests of 512 events
each (as the SDK 0.3 serialises them: a quarter LLM calls with a ChatML prompt and a
completion, a quarter tools, a quarter actions, a quarter errors) over one keep-alive
connection, then counts the events in the session log and prints one JSON line: events
sent, events folded into the session, seconds from the first send to the last answer
(the listener folds before it answers), events per second, and the wrapper's CPU seconds
and peak RSS (its parent's /proc stat and VmHWM).

usage: events_sender.py BATCHES [distinct|repeated]
  distinct: every event has a new id (all become new events)
  repeated: the same batch each time (the SDK retrying a batch: recorded once)"""
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from listener_bench import measure  # noqa: E402

batches = int(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else "distinct"
PER_BATCH = 512


def stamp(ns):
    seconds, rest = divmod(ns // 1000, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest:06d}+00:00"


def event(index, start):
    common = {"id": str(uuid.uuid4()), "init_timestamp": stamp(start), "end_timestamp": stamp(start + 1_000_000),
              "agent_id": None, "params": None, "returns": None}
    kind = index % 4
    if kind == 0:
        return {**common, "event_type": "llms", "thread_id": None,
                "prompt": [{"role": "system", "content": "You are a terse assistant."},
                           {"role": "user", "content": "What is the capital of France? " * 4}],
                "completion": {"role": "assistant", "content": "Paris.", "tool_calls": None},
                "model": "gpt-4o-mini-2024-07-18", "prompt_tokens": 23, "completion_tokens": 7, "cost": None}
    if kind == 1:
        return {**common, "event_type": "tools", "name": "search", "logs": None,
                "params": {"args": ["weather in Paris"], "kwargs": {}}, "returns": {"hits": ["sunny", "21C"], "n": 2}}
    if kind == 2:
        return {**common, "event_type": "actions", "action_type": "ResearchAgent", "logs": "looked it up",
                "screenshot": None, "params": {"args": ["weather"], "kwargs": {}}, "returns": "It is sunny."}
    return {**common, "event_type": "errors", "error_type": "Timeout", "code": "504",
            "details": "upstream slow\nretrying", "logs": None, "trigger_event_id": None, "trigger_event_type": None,
            "timestamp": common["init_timestamp"]}


def body():
    start = time.time_ns()
    return json.dumps({"events": [event(i, start + i * 1000) for i in range(PER_BATCH)]}).encode()


headers = {"Content-Type": "application/json", "X-Agentops-Api-Key": os.environ["AGENTOPS_API_KEY"]}
bodies = [body() for _ in range(batches)] if mode == "distinct" else [body()] * batches
measure("create_events", mode, os.environ["AGENTOPS_API_ENDPOINT"] + "/v2/create_events", headers, bodies,
        PER_BATCH * batches if mode == "distinct" else PER_BATCH)
