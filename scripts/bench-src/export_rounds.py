#!/usr/bin/env python3
"""Times `agentops export ID --format otlp` and `agentops sync ID` (to a fake OTLP
collector) of one session for several builds of `agentops`, in interleaved rounds, and
prints a Markdown table: wall time, CPU time (user + system of the process, from
wait4), spans per wall second and per CPU second, peak RSS; medians and min–max, and
each row's ratio to the first build's same row.

usage: export_rounds.py HOME ID SPANS ROUNDS ENDPOINT LABEL=BINARY...

HOME is the AGENTOPS_HOME holding the session; ENDPOINT the collector's base URL. The
sync cursor is removed before each sync, so every round exports the whole session.
"""
import os
import statistics
import sys

import timed_child

home, sid, spans, rounds, endpoint = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
builds = [arg.split("=", 1) for arg in sys.argv[6:]]
env = dict(os.environ, AGENTOPS_HOME=home, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint)
for name in ("AGENTOPS_API_KEY", "AGENTOPS_SESSION_ID", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
    env.pop(name, None)
cursor = os.path.join(home, "sessions", sid + ".otlp")
cases = [("export --format otlp", ["export", sid, "--format", "otlp"]), ("sync to a fake OTLP collector", ["sync", sid, "--quiet", "--timeout", "1h"])]
results = {}  # (case, label) -> list of (wall s, cpu s, rss KiB)


def run(binary, arguments):
    return timed_child.run(binary, arguments, env)


for _ in range(rounds):
    for case, arguments in cases:
        for label, binary in builds:
            if arguments[0] == "sync" and os.path.exists(cursor):
                os.unlink(cursor)
            results.setdefault((case, label), []).append(run(binary, arguments))


def spread(values, fmt):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


print(f"| case | build | wall s | CPU s | spans/s (wall) | spans per CPU s | CPU ratio | peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|")
for case, _ in cases:
    base_cpu = statistics.median(cpu for _, cpu, _ in results[(case, builds[0][0])])
    for label, _ in builds:
        runs = results[(case, label)]
        walls, cpus, rss = [r[0] for r in runs], [r[1] for r in runs], [r[2] / 1024 for r in runs]
        rate = lambda seconds: f"{spans / seconds:,.0f}"
        ratio = statistics.median(cpus) / base_cpu
        print(f"| `{case}` | {label} | {spread(walls, lambda v: f'{v:.2f}')} | {spread(cpus, lambda v: f'{v:.2f}')} "
              f"| {rate(statistics.median(walls))} ({rate(max(walls))}–{rate(min(walls))}) "
              f"| {rate(statistics.median(cpus))} ({rate(max(cpus))}–{rate(min(cpus))}) "
              f"| {'baseline' if label == builds[0][0] else f'{ratio:.2f}×'} | {max(rss):.1f} |")
