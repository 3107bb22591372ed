#!/usr/bin/env python3
"""Peak RSS and wall time of `agentops export --format otlp`, `agentops sync` to a fake
OTLP collector and `agentops sync` to a fake AgentOps v2 API, of one session, for
several builds of `agentops`, in interleaved rounds (issue 15: the exporter's memory).
Prints a Markdown table: per case and build, the peak RSS (median, min–max, from wait4's
ru_maxrss) and the wall time (median, min–max), with each build's RSS ratio to the
first's.

usage: sync_memory_rounds.py HOME ID ROUNDS OTLP_ENDPOINT API_ENDPOINT LABEL=BINARY...

The export cursors (ID.sync*, ID.otlp*) are removed before each sync, so every round
exports the whole session. SKIP_V2=LABEL leaves that build's v2 sync out (the
baseline's takes time quadratic in the LLM calls: hours at 1,000,000 events).
"""
import glob
import os
import statistics
import sys

import timed_child

home, sid, rounds, otlp, api = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
builds = [arg.split("=", 1) for arg in sys.argv[6:]]
base = dict(os.environ, AGENTOPS_HOME=home)
for name in ("AGENTOPS_API_KEY", "AGENTOPS_API_ENDPOINT", "AGENTOPS_SESSION_ID", "AGENTOPS_RUN_EXPORT",
             "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
    base.pop(name, None)
key = "6f1c0e2a-5b7d-4c3e-9a8b-2d1e0f9c8b7a"
cases = [
    ("export --format otlp", ["export", sid, "--format", "otlp"], base),
    ("sync to a fake OTLP collector", ["sync", sid, "--quiet", "--timeout", "1h"],
     dict(base, OTEL_EXPORTER_OTLP_ENDPOINT=otlp)),
    ("sync to a fake AgentOps v2 API", ["sync", sid, "--quiet", "--timeout", "1h"],
     dict(base, AGENTOPS_API_KEY=key, AGENTOPS_API_ENDPOINT=api)),
]
results = {}  # (case, label) -> list of (wall s, rss MiB)


def run(binary, arguments, env):
    for cursor in glob.glob(os.path.join(home, "sessions", sid + ".*")):
        if not cursor.endswith(".jsonl"):
            os.unlink(cursor)
    wall, _, rss = timed_child.run(binary, arguments, env)
    return wall, rss / 1024


skip = os.environ.get("SKIP_V2")
for _ in range(rounds):
    for case, arguments, env in cases:
        for label, binary in builds:
            if label == skip and "v2" in case:
                continue
            results.setdefault((case, label), []).append(run(binary, arguments, env))


def spread(values, digits):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


print("| case | build | peak RSS MiB | RSS ratio | wall s |")
print("|---|---|---|---|---|")
for case, _, _ in cases:
    first = statistics.median(rss for _, rss in results.get((case, builds[0][0]), [(0, 0)]))
    for label, _ in builds:
        runs = results.get((case, label))
        if not runs:
            print(f"| `{case}` | {label} | not run (SKIP_V2) | | |")
            continue
        rss = [r[1] for r in runs]
        ratio = "baseline" if label == builds[0][0] else f"{statistics.median(rss) / first:.2f}×" if first else "–"
        print(f"| `{case}` | {label} | {spread(rss, 1)} | {ratio} | {spread([r[0] for r in runs], 2)} |")
