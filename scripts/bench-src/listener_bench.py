"""What the listener benchmarks' senders share: send prepared request bodies to the
wrapper's listener over one keep-alive connection, one request at a time (as an exporter
does), then count the events folded into the session log and print one JSON line.

The clock runs from the first send to the last answer: the listener folds a batch into
the session log before it answers, so the last answer means the last event is in the
log (checked by counting the log's event lines afterwards). The wrapper is the sender's
parent: its CPU seconds over the same interval and its peak RSS come from /proc; the
sender's own CPU seconds over the interval show whether it, not the wrapper, is the limit."""
import json
import os
import socket
import time
import urllib.parse


def wrapper_cpu_seconds():
    fields = open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrapper_peak_rss_mib():
    for line in open(f"/proc/{os.getppid()}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def events_in_log():
    path = os.path.join(os.environ["AGENTOPS_HOME"], "sessions", os.environ["AGENTOPS_SESSION_ID"] + ".jsonl")
    with open(path, "rb") as log:
        return sum(1 for line in log if line.startswith(b'{"record":"event"'))


def read_response(connection, pending):
    while b"\r\n\r\n" not in pending:
        chunk = connection.recv(65536)
        if not chunk:
            raise SystemExit("the listener closed the connection")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"the listener answered {head.splitlines()[0]!r}: {rest[:200]!r}")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(rest) < length:
        rest += connection.recv(65536)
    return rest[:length], rest[length:]


def measure(kind, mode, url, headers, bodies, expected_events):
    """Posts `bodies` to `url` and prints the result; exits non-zero when the log does not
    hold `expected_events` new events afterwards."""
    parts = urllib.parse.urlsplit(url)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    # Head and body in one write, as exporters on a real network stack send them (Python's
    # http.client writes the head apart, and the client's Nagle then waits on the server's
    # delayed ACK: 40 ms a request, which would measure the kernel, not the listener).
    requests = [f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}Content-Length: {len(body)}\r\n\r\n"
                .encode() + body for body in bodies]
    before = events_in_log()
    connection = socket.create_connection((parts.hostname, parts.port), timeout=60)
    cpu_before = wrapper_cpu_seconds()
    sender_before = time.process_time()
    started = time.perf_counter()
    pending = b""
    last_answer = b""
    for request in requests:
        connection.sendall(request)
        last_answer, pending = read_response(connection, pending)
    seconds = time.perf_counter() - started
    sender_cpu = time.process_time() - sender_before
    cpu = wrapper_cpu_seconds() - cpu_before
    folded = events_in_log() - before
    print(json.dumps({"kind": kind, "mode": mode, "requests": len(requests), "bytes_per_request": len(requests[0]),
                      "events_folded": folded, "seconds": round(seconds, 4),
                      "events_per_second": round(folded / seconds),
                      "wrapper_cpu_seconds": round(cpu, 2), "sender_cpu_seconds": round(sender_cpu, 2),
                      "wrapper_peak_rss_mib": round(wrapper_peak_rss_mib(), 1),
                      "last_answer": last_answer.decode(errors="replace")[:200]}))
    if folded != expected_events:
        raise SystemExit(f"{kind} {mode}: expected {expected_events} new events in the log, found {folded}")
