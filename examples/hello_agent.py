#!/usr/bin/env python3
"""A small stand-in for an AI agent: plans, calls a "tool", reports, warns once.

Runs as it is, with or without agentops-run. Under agentops-run each printed line is
recorded (stdout as actions, stderr as errors) in the session named by
AGENTOPS_SESSION_ID, which agentops-run sets for it:

    agentops-run --tag demo -- python3 examples/hello_agent.py
"""
import os
import sys
import time


def main() -> int:
    session = os.environ.get("AGENTOPS_SESSION_ID", "(not recorded)")
    print(f"agent: starting in session {session}", flush=True)
    steps = ["read the task", "search the docs", "draft an answer"]
    for number, step in enumerate(steps, start=1):
        print(f"agent: step {number}/{len(steps)}: {step}", flush=True)
        time.sleep(0.2)
    print("agent: warning: the docs search returned 0 results, answering from memory", file=sys.stderr,
          flush=True)
    print("agent: answer: 42", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
