#!/usr/bin/env python3
"""Writes N synthetic sessions into an AgentOps store, as agentops-run would record them:
a start record (with a host environment of the usual size), a few stdout/stderr
events, an LLM call with tokens and a cost in one session of three, and an end.

Usage: make_store.py HOME N
"""
import random, sys, uuid
from datetime import datetime, timedelta, timezone

from synthetic_store import line, new_id, open_log, sessions_folder, ts

home, count = sys.argv[1], int(sys.argv[2])
folder = sessions_folder(home)
rng = random.Random(18)
host_env = {
    "SDK": {"AgentOps SDK Version": "agentops-run 0.1.0"},
    "OS": {"Hostname": "bench", "OS": "Linux", "OS Version": "#1 SMP PREEMPT_DYNAMIC", "OS Release": "6.18.0",
           "Machine": "x86_64"},
    "CPU": {"Physical cores": 2, "Total cores": 2},
    "RAM": {"Total": "23.54 GB", "Available": "21.31 GB", "Used": "2.23 GB", "Percentage": "9.5%"},
    "Disk": {"/dev/vda": {"Mountpoint": "/", "Total": "251.97 GB", "Used": "19.32 GB", "Free": "75.16 GB",
                          "Percentage": "20.4%"}},
    "Project Working Directory": {"Project Working Directory": "/home/user/project"},
    "Virtual Environment": {"Virtual Environment": None},
}
base = datetime(2026, 1, 1, tzinfo=timezone.utc)

for index in range(count):
    sid = new_id(rng)
    start = base + timedelta(seconds=index * 37 + rng.random())
    command = ["python3", "agent.py", "--task", str(index)]
    lines = [{"record": "start", "session": {
        "id": sid, "project_id": None, "init_timestamp": ts(start), "end_timestamp": None,
        "tags": ["bench", "batch-%d" % (index % 10)], "end_state": "Indeterminate", "end_state_reason": None,
        "video": None, "host_env": host_env, "command": command}}]
    moment = start
    for n in range(rng.randint(2, 5)):
        moment += timedelta(milliseconds=rng.randint(1, 900))
        lines.append({"record": "event", "event": {
            "id": str(uuid.uuid4()), "event_type": "actions", "init_timestamp": ts(moment),
            "end_timestamp": ts(moment), "session_id": sid, "agent_id": None, "action_type": "stdout",
            "logs": "step %d of task %d done" % (n, index), "screenshot": None, "params": None, "returns": None}})
    if index % 3 == 0:
        moment += timedelta(milliseconds=rng.randint(100, 3000))
        lines.append({"record": "event", "event": {
            "id": str(uuid.uuid4()), "event_type": "llms", "init_timestamp": ts(moment), "end_timestamp": ts(moment),
            "session_id": sid, "agent_id": None, "thread_id": None, "prompt": "plan the next step",
            "completion": "run the tests", "model": "gpt-4o", "prompt_tokens": rng.randint(50, 5000),
            "completion_tokens": rng.randint(10, 800), "cost": "0.00%d" % rng.randint(100, 9999),
            "params": None, "returns": None}})
    failed = index % 7 == 0
    if failed:
        lines.append({"record": "event", "event": {
            "id": str(uuid.uuid4()), "event_type": "errors", "init_timestamp": ts(moment), "end_timestamp": ts(moment),
            "timestamp": ts(moment), "session_id": sid, "agent_id": None, "error_type": "stderr", "code": None,
            "details": "Traceback (most recent call last): boom", "logs": None, "trigger_event_id": None,
            "trigger_event_type": None}})
    moment += timedelta(milliseconds=rng.randint(1, 500))
    lines.append({"record": "end", "end_timestamp": ts(moment), "end_state": "Fail" if failed else "Success",
                  "end_state_reason": "Command exited with code %d" % (1 if failed else 0),
                  "exit_code": 1 if failed else 0, "signal": None})
    with open_log(folder, sid) as out:
        for record in lines:
            out.write(line(record))
