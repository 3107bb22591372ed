#!/usr/bin/env python3
"""Runs a command on a fresh pseudo-terminal, as a shell's foreground job would be,
types keys into it, and prints what happened as one JSON object.

usage: pty_driver.py SCENARIO COMMAND [ARG...]

Scenarios:
  readline  type "hello" and Enter once the command prints "ready"
  ctrl-c    type Ctrl-C once the command prints "ready"
  ctrl-bs   type Ctrl-\\ once the command prints "ready"
  ctrl-z    type Ctrl-Z after the first "tick", check that everything stopped, then
            continue the command's leader (as `fg` does) and stop it with Ctrl-C
  resize    once the command prints "ready", resize the terminal to 40x100
  plain     type nothing
  steps     follow the JSON list in $PTY_STEPS, each one of:
              ["wait", TEXT]        read until TEXT appears (after the last wait)
              ["type", TEXT]        type TEXT
              ["sleep", SECONDS]    read for that long
              ["resize", ROWS, COLS]
              ["signal", NAME]      send SIGNAME to agentops-run
              ["stopped"]           record agentops-run's state and the terminal's
                                    modes (should be restored while it is stopped)
              ["continue"]          SIGCONT agentops-run, as `fg` does

The terminal starts with 33 rows and 123 columns. "modes_restored" says whether the
terminal's modes after the run equal those before it (`stty -g`).
"""
import fcntl
import json
import os
import struct
import termios
import select
import signal
import sys
import time


def read_until(fd, needle, timeout):
    """Reads from the pty until `needle` appears or `timeout` passes."""
    out = b""
    deadline = time.time() + timeout
    while needle not in out and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    return out


def drain(fd, seconds):
    return read_until(fd, b"\x00never\x00", seconds)


def state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def spawn(command):
    """Starts `command` as the session leader of a new terminal, like a shell's job."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 123, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for target in (0, 1, 2):
            os.dup2(slave, target)
        os.closerange(3, 65536)
        os.environ.setdefault("TERM", "xterm")
        os.execvp(command[0], command)
    return pid, master, slave


def run_steps(pid, fd, slave, steps, result):
    out = b""
    seen = 0
    for step in steps:
        kind = step[0]
        if kind == "wait":
            deadline = time.time() + 20
            while out.find(step[1].encode(), seen) < 0 and time.time() < deadline:
                chunk = drain(fd, 0.05)
                out += chunk
                # agentops-run ended (it refused to start, say) and nothing more comes:
                # waiting on would only take the 20 s.
                if not chunk and state(pid) in ("Z", "gone"):
                    chunk = drain(fd, 0.2)
                    out += chunk
                    if not chunk:
                        break
            found = out.find(step[1].encode(), seen)
            result.setdefault("waits", []).append(found >= 0)
            seen = found + len(step[1]) if found >= 0 else seen
        elif kind == "type":
            os.write(fd, step[1].encode())
        elif kind == "sleep":
            out += drain(fd, step[1])
        elif kind == "resize":
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", step[1], step[2], 0, 0))
        elif kind == "signal":
            os.kill(pid, getattr(signal, "SIG" + step[1]))
        elif kind == "stopped":
            out += drain(fd, 0.5)
            result["wrapper_state"] = state(pid)
            result["modes_while_stopped"] = termios.tcgetattr(slave) == result["modes_before"]
        elif kind == "continue":
            os.kill(pid, signal.SIGCONT)
    return out


def main():
    scenario, command = sys.argv[1], sys.argv[2:]
    pid, fd, slave = spawn(command)
    result = {"scenario": scenario, "modes_before": termios.tcgetattr(slave)}
    out = b""
    if scenario == "steps":
        out += run_steps(pid, fd, slave, json.loads(os.environ["PTY_STEPS"]), result)
    elif scenario in ("readline", "ctrl-c", "ctrl-bs"):
        out += read_until(fd, b"ready", 20)
        time.sleep(0.2)
        os.write(fd, {"readline": b"hello\r", "ctrl-c": b"\x03", "ctrl-bs": b"\x1c"}[scenario])
    elif scenario == "resize":
        out += read_until(fd, b"ready", 20)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    elif scenario == "ctrl-z":
        out += read_until(fd, b"tick", 20)
        os.write(fd, b"\x1a")
        time.sleep(0.5)
        kids = children(pid)
        result["wrapper_state_after_ctrl_z"] = state(pid)
        result["command_states_after_ctrl_z"] = [state(k) for k in kids]
        before = drain(fd, 0.4)
        result["ticks_while_stopped"] = before.count(b"tick")
        out += before
        os.kill(pid, signal.SIGCONT)
        resumed = read_until(fd, b"tick", 5)
        result["ticks_after_continue"] = resumed.count(b"tick")
        out += resumed
        os.write(fd, b"\x03")
    deadline = time.time() + 20
    status = None
    while time.time() < deadline:
        out += drain(fd, 0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    out += drain(fd, 0.2)
    result["output"] = out.decode("utf-8", "replace")
    result["modes_restored"] = termios.tcgetattr(slave) == result.pop("modes_before")
    if status is not None and os.WIFEXITED(status):
        result["exit"] = os.WEXITSTATUS(status)
    elif status is not None and os.WIFSIGNALED(status):
        result["signal"] = os.WTERMSIG(status)
    print(json.dumps(result))


main()
