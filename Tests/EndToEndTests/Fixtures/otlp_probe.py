#!/usr/bin/env python3
"""Feeds agentops-run's OTLP endpoint hostile and broken bodies, then good ones, and prints
{case: [status, content-type, body]} as JSON. Standard library only.

The endpoint is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (set by agentops-run)."""
import gzip
import http.client
import json
import os
import random
import struct
import sys
import urllib.parse
import zlib

from protobuf_writer import field, varint

url = urllib.parse.urlsplit(os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"])


def post(body, content_type="application/x-protobuf", encoding=None, path=None):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    connection.request("POST", path or url.path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    kind = response.getheader("Content-Type") or ""
    shown = data.decode() if kind.startswith("application/json") else data.hex()
    return [response.status, kind, shown]


def request(span):
    return field(1, field(2, field(2, span)))


def span(trace_id, span_id, name, attributes=b""):
    return field(1, trace_id) + field(2, span_id) + field(5, name.encode()) + attributes


TRACE = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
good = request(span(TRACE, bytes.fromhex("00f067aa0ba902b7"), "probe.tool",
                    field(9, field(1, b"agentops.span.kind") + field(2, field(1, b"tool")))))

deep = field(1, b"innermost")
for _ in range(100):
    deep = field(5, field(1, deep))
nested = request(span(TRACE, bytes.fromhex("00f067aa0ba902b8"), "deep", field(9, field(1, b"k") + field(2, deep))))

random.seed(7)
seen = {
    "truncated": post(good[:-5]),
    "random": post(bytes(random.getrandbits(8) for _ in range(4096))),
    "bad_varint": post(b"\x0a" + b"\xff" * 11),
    "huge_length": post(b"\x0a" + varint(1 << 62) + b"\x00" * 16),
    "deep_nesting": post(nested),
    "json_wrong_types": post(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": 42, "spanId": ["x"], "name": {"a": 1}}]}]}]}).encode(), "application/json"),
    "json_not_json": post(b"{not json", "application/json"),
    "wrong_type": post(good, "text/plain"),
    "bad_gzip": post(b"\x1f\x8b\x08\x00garbage", encoding="gzip"),
    "unknown_encoding": post(good, encoding="br"),
    "good_gzip": post(gzip.compress(good), encoding="gzip"),
    "good_deflate": post(zlib.compress(good), encoding="deflate"),
    "good_again": post(good),
    "empty": post(b""),
    "partial": post(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "0" * 32, "spanId": "1" * 16, "name": "no trace"},
        {"traceId": TRACE.hex(), "spanId": "00f067aa0ba902b9", "name": "probe.agent",
         "attributes": [{"key": "agentops.span.kind", "value": {"stringValue": "agent"}}]}]}]}]}).encode(),
        "application/json"),
    "metrics": post(b"", path="/v1/metrics"),
    "auth": post(json.dumps({"api_key": "x"}).encode(), "application/json", path="/v3/auth/token"),
    "logs_upload": post(json.dumps({"body": "hello"}).encode(), "application/json", path="/v4/logs/upload/"),
    "object_upload": post(json.dumps({"body": "hello"}).encode(), "application/json", path="/v4/objects/upload/"),
}
json.dump(seen, sys.stdout)
