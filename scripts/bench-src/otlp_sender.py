#!/usr/bin/env python3
"""Sends agentops-run's listener BATCHES OTLP/protobuf requests of 512 spans each (a third
LLM calls with prompts and completions, a third tools, a third agents) over one
keep-alive connection, then counts the events in the session log and prints one JSON
line (see listener_bench.py): events folded, seconds from the first send to the last
answer, events per second, the wrapper's CPU seconds and peak RSS.

usage: otlp_sender.py BATCHES [distinct|repeated]
  distinct: every batch has new trace ids (all spans become new events)
  repeated: the same batch each time (a retrying exporter: recorded once)"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from listener_bench import measure  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../Tests/EndToEndTests/Fixtures"))
from protobuf_writer import field as ld, varint  # noqa: E402

batches = int(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else "distinct"


def fixed64(number, value):
    return varint(number << 3 | 1) + value.to_bytes(8, "little")


def attr(key, value):
    if isinstance(value, str):
        any_value = ld(1, value.encode())
    else:
        any_value = varint(3 << 3) + varint(value)
    return ld(9, ld(1, key.encode()) + ld(2, any_value))


def span(trace, index, start):
    kind = index % 3
    parent = ld(4, (index // 3 * 3 + 2).to_bytes(8, "big")) if kind != 2 else b""
    body = ld(1, trace) + ld(2, (index + 1).to_bytes(8, "big")) + parent
    if kind == 0:
        body += ld(5, b"openai.chat.completion") + varint(6 << 3) + varint(3)
        attrs = [("gen_ai.system", "OpenAI"), ("gen_ai.request.model", "gpt-4o-mini"),
                 ("gen_ai.response.model", "gpt-4o-mini-2024-07-18"), ("gen_ai.request.type", "chat"),
                 ("gen_ai.prompt.0.role", "system"), ("gen_ai.prompt.0.content", "You are a terse assistant."),
                 ("gen_ai.prompt.1.role", "user"), ("gen_ai.prompt.1.content", "What is the capital of France? " * 4),
                 ("gen_ai.completion.0.role", "assistant"), ("gen_ai.completion.0.content", "Paris."),
                 ("gen_ai.usage.prompt_tokens", 23), ("gen_ai.usage.completion_tokens", 7),
                 ("gen_ai.usage.total_tokens", 30)]
    elif kind == 1:
        body += ld(5, b"search.tool") + varint(6 << 3) + varint(1)
        attrs = [("agentops.span.kind", "tool"), ("operation.name", "search"),
                 ("agentops.tool.input", '{"args": ["weather in Paris"], "kwargs": {}}'),
                 ("agentops.tool.output", '{"hits": ["sunny", "21C"], "n": 2}')]
    else:
        body += ld(5, b"ResearchAgent.agent") + varint(6 << 3) + varint(1)
        attrs = [("agentops.span.kind", "agent"), ("operation.name", "ResearchAgent"),
                 ("agentops.agent.input", '{"args": ["weather"], "kwargs": {}}'),
                 ("agentops.agent.output", "It is sunny.")]
    body += fixed64(7, start) + fixed64(8, start + 1_000_000)
    for key, value in attrs:
        body += attr(key, value)
    return body


def batch(number):
    trace = (0x0AF7651916CD43DD0000000000000000 + number).to_bytes(16, "big")
    start = time.time_ns()
    resource = ld(1, ld(1, ld(1, b"service.name") + ld(2, ld(1, b"bench"))))
    scope = ld(1, ld(1, b"agentops"))
    spans = b"".join(ld(2, span(trace, i, start + i)) for i in range(512))
    return ld(1, resource + ld(2, scope + spans))


bodies = [batch(i) for i in range(batches)] if mode == "distinct" else [batch(0)] * batches
measure("otlp", mode, os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], {"Content-Type": "application/x-protobuf"},
        bodies, 512 * batches if mode == "distinct" else 512)
