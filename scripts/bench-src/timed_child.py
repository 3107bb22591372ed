"""Runs one benchmarked command and measures it: the helper the round scripts share
(export_rounds.py, sync_memory_rounds.py)."""
import os
import subprocess
import sys
import time


def run(binary, arguments, env):
    """Runs BINARY ARGUMENTS (stdout to /dev/null) in ENV; exits on a failure.

    Returns wall seconds, CPU seconds (user + system, from wait4) and peak RSS in KiB."""
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        child = subprocess.Popen([binary] + arguments, stdout=null, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{binary} {' '.join(arguments)} exited with {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss
