"""What the raw-socket probes of the run's loopback listener (listener_probe.py,
listener_abuse.py, listener_crowd.py) share: its address and key, from the environment
agentops-run gives the command, a connection to it, and reading its answers."""
import json
import os
import socket

key = os.environ["AGENTOPS_API_KEY"]
host, _, _port = os.environ["AGENTOPS_API_ENDPOINT"].removeprefix("http://").partition(":")
port = int(_port)


def connect(timeout):
    """A new connection to the listener; reads and writes time out after `timeout` s."""
    return socket.create_connection((host, port), timeout=timeout)


# Bytes read past the end of a response, per socket: answers to pipelined requests
# can arrive in one read.
leftover = {}


def read_response(s):
    """One response: (status, headers, body as JSON or None); None when closed."""
    data = leftover.pop(s.fileno(), b"")
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    if len(rest) > length:
        leftover[s.fileno()] = rest[length:]
    body = json.loads(rest[:length]) if length else None
    return status, headers, body
