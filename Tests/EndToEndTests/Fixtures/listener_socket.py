"""What the raw-socket probes of the run's loopback listener (listener_probe.py,
listener_abuse.py) share: its address and key, from the environment agentops-run gives
the command, and a connection to it."""
import os
import socket

key = os.environ["AGENTOPS_API_KEY"]
host, _, _port = os.environ["AGENTOPS_API_ENDPOINT"].removeprefix("http://").partition(":")
port = int(_port)


def connect(timeout):
    """A new connection to the listener; reads and writes time out after `timeout` s."""
    return socket.create_connection((host, port), timeout=timeout)
