#!/usr/bin/env python3
"""Arize Phoenix as a real OTLP backend for the end-to-end test, reachable only on
loopback. Prints Phoenix's HTTP port on the first line of stdout once GET /healthz
answers 200, or one line saying why it did not start; then serves until SIGTERM (or
SIGINT, or its parent dies), when it stops Phoenix with SIGINT. Standard library only.

usage: unshare -rn python3 phoenix_server.py PHOENIX WORKDIR
  PHOENIX   the `phoenix` command of a virtual environment holding arize-phoenix
  WORKDIR   an empty folder for Phoenix's SQLite database; phoenix.log goes there too
  PHOENIX_START_TIMEOUT (environment): seconds to wait for /healthz, default 300

Phoenix's gRPC receiver binds every interface whatever PHOENIX_HOST says, so this
refuses to run anywhere but in a network namespace of its own that has nothing but
`lo` (made by `unshare -rn`, where loopback starts down: it is brought up here with the
ioctl `ip link set lo up` makes, so no iproute2 is needed). The namespace being empty
also means Phoenix's ports are free whatever else runs on the machine. Whoever reads
or writes Phoenix enters the namespace with `nsenter --target PID --user --net`."""
import ctypes
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request

# Straight to loopback, whatever http_proxy says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

HTTP_PORT, GRPC_PORT = 6006, 4317
START_TIMEOUT = float(os.environ.get("PHOENIX_START_TIMEOUT", "300"))
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
PR_SET_PDEATHSIG = 1


def say(line):
    """The one line the test reads: the port, or why there is none."""
    sys.stdout.write(line.replace("\n", " | ") + "\n")
    sys.stdout.flush()


def loopback_up():
    interfaces = sorted(name for _, name in socket.if_nameindex())
    if interfaces != ["lo"]:
        say(f"refusing to start Phoenix: this network namespace has {interfaces}, not only lo "
            "(run it under `unshare -rn`)")
        sys.exit(1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def stop_with_parent():
    """In Phoenix's child: SIGINT when this driver dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGINT)


def main():
    phoenix, workdir = sys.argv[1], sys.argv[2]
    # Started from a Swift Testing worker thread, this inherits its blocked signals; Phoenix
    # would inherit them too and never see the SIGINT that stops it.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    loopback_up()
    env = dict(os.environ)
    env.update({
        "PHOENIX_HOST": "127.0.0.1", "PHOENIX_PORT": str(HTTP_PORT), "PHOENIX_GRPC_PORT": str(GRPC_PORT),
        "PHOENIX_WORKING_DIR": workdir, "PHOENIX_TELEMETRY_ENABLED": "false",
        "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false", "PHOENIX_DISABLE_AGENT_ASSISTANT": "true",
        "PHOENIX_ENABLE_MCP_SERVER": "false",
        # Phoenix keeps pid files under the temporary folder ($TMPDIR/.arize-phoenix),
        # which would outlast the test: its working folder is removed with the test's.
        "TMPDIR": workdir,
    })
    log_path = os.path.join(workdir, "phoenix.log")
    with open(log_path, "wb") as log:
        child = subprocess.Popen([phoenix, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, preexec_fn=stop_with_parent)

    def stop(*_):
        child.send_signal(signal.SIGINT)
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    started = time.monotonic()
    while True:
        if child.poll() is not None:
            with open(log_path, "rb") as log:
                tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
            say(f"Phoenix exited with status {child.returncode} before answering /healthz: {' | '.join(tail)}")
            return 1
        if time.monotonic() - started > START_TIMEOUT:
            say(f"Phoenix did not answer /healthz within {START_TIMEOUT:.0f} s (log: {log_path})")
            stop()
        try:
            with OPENER.open(f"http://127.0.0.1:{HTTP_PORT}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.2)
    say(str(HTTP_PORT))
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
