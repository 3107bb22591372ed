#!/usr/bin/env python3
"""Run under agentops-run: holds N (argv[1]) keep-alive connections to its listener, each
having made one create_events call, and prints the wrapper's VmPeak in KiB."""
import os
import socket
import sys

key = os.environ["AGENTOPS_API_KEY"]
host, _, port = os.environ["AGENTOPS_API_ENDPOINT"].removeprefix("http://").partition(":")
held = []
for i in range(int(sys.argv[1])):
    s = socket.create_connection((host, int(port)), timeout=30)
    body = b'{"events": [{"id": "hold-%d", "event_type": "actions", "init_timestamp": "2026-01-01T00:00:00Z"}]}' % i
    s.sendall(f"POST /v2/create_events HTTP/1.1\r\nHost: h\r\nX-Agentops-Api-Key: {key}\r\n"
              f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    s.recv(65536)
    held.append(s)
with open(f"/proc/{os.getppid()}/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmPeak:")))
