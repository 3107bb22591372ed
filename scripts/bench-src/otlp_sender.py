#!/usr/bin/env python3
"""Sends agentops-run's listener BATCHES OTLP/protobuf requests of 512 spans each (a third
LLM calls with prompts and completions, a third tools, a third agents) over one
keep-alive connection, and prints one JSON line: spans, seconds, spans per second, and
the wrapper's peak RSS (its parent's VmHWM).

usage: otlp_sender.py BATCHES [distinct|repeated]
  distinct: every batch has new trace ids (all spans become new events)
  repeated: the same batch each time (a retrying exporter: recorded once)"""
import json
import os
import socket
import sys
import time
import urllib.parse

batches = int(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else "distinct"
url = urllib.parse.urlsplit(os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def ld(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


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


def read_response(connection, pending):
    while b"\r\n\r\n" not in pending:
        pending += connection.recv(65536)
    head, _, rest = pending.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(rest) < length:
        rest += connection.recv(65536)
    return rest[length:]


# Head and body in one write, as exporters on a real network stack send them (Python's
# http.client writes the head apart, and the client's Nagle then waits on the server's
# delayed ACK: 40 ms a request, which would measure the kernel, not the listener).
requests = [f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/x-protobuf\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            for body in (batch(i if mode == "distinct" else 0) for i in range(batches))]
connection = socket.create_connection((url.hostname, url.port), timeout=60)
started = time.perf_counter()
pending = b""
for request in requests:
    connection.sendall(request)
    pending = read_response(connection, pending)
seconds = time.perf_counter() - started
fields = open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()
cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
rss = 0
for line in open(f"/proc/{os.getppid()}/status"):
    if line.startswith("VmHWM:"):
        rss = int(line.split()[1]) / 1024
print(json.dumps({"mode": mode, "spans": 512 * batches, "bytes_per_batch": len(requests[0]),
                  "seconds": round(seconds, 3), "spans_per_second": round(512 * batches / seconds),
                  "wrapper_cpu_seconds": round(cpu, 2), "wrapper_peak_rss_mib": round(rss, 1)}))
