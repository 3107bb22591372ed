#!/usr/bin/env python3
"""Writes one synthetic session of N events into an AgentOps store, as agentops-run and
its listener would record them: LLM calls with prompts, completions, tokens and a cost
(40%), tool calls (30%), agent actions (20%), errors naming the event that caused them
(5%) and captured stdout (5%), then an end. Prints the session id.

Usage: make_session.py HOME N
"""
import random, sys
from datetime import datetime, timedelta, timezone

from synthetic_store import line, new_id as new_seeded_id, open_log, sessions_folder, ts

home, count = sys.argv[1], int(sys.argv[2])
folder = sessions_folder(home)
rng = random.Random(15)


def new_id():
    return new_seeded_id(rng)


sid = new_id()
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
host_env = {"OS": {"Hostname": "bench", "OS": "Linux"}, "CPU": {"Total cores": 2}}
out = open_log(folder, sid)


def write(record):
    out.write(line(record))


write({"record": "start", "session": {
    "id": sid, "project_id": None, "init_timestamp": ts(start), "end_timestamp": None, "tags": ["bench"],
    "end_state": "Indeterminate", "end_state_reason": None, "video": None, "host_env": host_env,
    "command": ["python3", "agent.py"]}})
moment = start
last = None
for index in range(count):
    moment += timedelta(microseconds=rng.randint(100, 5000))
    end = moment + timedelta(microseconds=rng.randint(10, 900000))
    common = {"id": new_id(), "init_timestamp": ts(moment), "end_timestamp": ts(end), "session_id": sid}
    kind = rng.random()
    if kind < 0.40:
        event = dict(common, event_type="llms", agent_id=None, thread_id=None,
                     prompt=[{"role": "user", "content": "plan step %d of the task" % index}],
                     completion={"role": "assistant", "content": "run the tests, then step %d" % (index + 1)},
                     model="gpt-4o", prompt_tokens=rng.randint(50, 5000), completion_tokens=rng.randint(10, 800),
                     cost=None, params={"model": "gpt-4o", "temperature": 0.2}, returns=None)
    elif kind < 0.70:
        event = dict(common, event_type="tools", agent_id=None, name="search",
                     params={"query": "docs for step %d" % index}, returns="3 results", logs=None)
    elif kind < 0.90:
        event = dict(common, event_type="actions", agent_id=None, action_type="agent",
                     logs="planner step %d" % index, screenshot=None, params=None, returns=None)
    elif kind < 0.95 and last:
        event = dict(common, event_type="errors", timestamp=common["init_timestamp"], agent_id=None,
                     error_type="ToolError", code=None, details="timeout after 30s", logs=None,
                     trigger_event_id=last, trigger_event_type="tools")
    else:
        event = dict(common, event_type="actions", agent_id=None, action_type="stdout",
                     logs="line %d of output" % index, screenshot=None, params=None, returns=None)
    last = common["id"]
    write({"record": "event", "event": event})
write({"record": "end", "end_timestamp": ts(moment + timedelta(seconds=1)), "end_state": "Success",
       "end_state_reason": "Command exited with code 0", "exit_code": 0, "signal": None})
out.close()
print(sid)
