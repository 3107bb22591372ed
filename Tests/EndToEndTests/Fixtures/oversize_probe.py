#!/usr/bin/env python3
"""Sends agentops-run's listener batches holding one item too large for a session log line
(8 MiB) beside small ones, over OTLP/HTTP JSON and the AgentOps v2 `create_events`, and
prints {case: [status, body]} as JSON. Standard library only.

The endpoints are OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and AGENTOPS_API_ENDPOINT (set by
agentops-run), with the run's AGENTOPS_API_KEY."""
import http.client
import json
import os
import sys
import urllib.parse

MIB = 1 << 20
TRACE = "0af7651916cd43dd8448eb211c80319c"


def post(url, body, headers):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request("POST", parts.path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return [response.status, data.decode()]


def otlp(spans):
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
    return post(os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], body, {"Content-Type": "application/json"})


def create_events(events, size=None):
    body = json.dumps({"events": events}, separators=(",", ":"))
    if size:
        # Pads the last event's logs so that the body is exactly `size` bytes.
        body = body.replace('"PAD"', '"' + "y" * (size - len(body) + 3) + '"')
        assert len(body) == size
    return post(os.environ["AGENTOPS_API_ENDPOINT"] + "/v2/create_events", body.encode(),
                {"Content-Type": "application/json", "X-Agentops-Api-Key": os.environ["AGENTOPS_API_KEY"]})


def span(span_id, kind, attributes):
    return {"traceId": TRACE, "spanId": span_id, "name": f"probe.{kind}",
            "startTimeUnixNano": "1760000000000000000", "endTimeUnixNano": "1760000001000000000",
            "attributes": [{"key": "agentops.span.kind", "value": {"stringValue": kind}}] + [
                {"key": key, "value": {"stringValue": value}} for key, value in attributes.items()]}


def error(event_id, details):
    # An error with only the server's short `timestamp`: recorded with init, end and
    # server timestamps in full, so its line is longer than its part of the body.
    return {"id": event_id, "event_type": "errors", "timestamp": "2026-01-01T00:00:00Z", "error_type": "probe",
            "details": details}


batch = [span("00f067aa0ba902b7", "tool", {"agentops.tool.input": "x" * (9 * MIB)}),
         span("00f067aa0ba902b8", "agent", {"operation.name": "small"})]
seen = {"otlp": otlp(batch), "otlp_again": otlp(batch)}
small = error("5b0e3a52-4c1f-4f0e-8d5a-6f1f6b2f0001", "s")
# A body within the 8 MiB create_events takes, whose second event becomes a log line over
# 8 MiB once the listener adds the session id, the full timestamps and the record around it.
seen["create_events"] = create_events([small, error("5b0e3a52-4c1f-4f0e-8d5a-6f1f6b2f0002", "PAD")], size=8 * MIB)
seen["create_events_small"] = create_events([small])
json.dump(seen, sys.stdout)
