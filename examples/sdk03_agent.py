#!/usr/bin/env python3
"""An agent that uses the AgentOps Python SDK 0.3 (agentops 0.3.x; for 0.4 see sdk_agent.py) and nothing else.

Run it under agentops-run and everything it records lands in the wrapper's session,
with no API key and no network:

    agentops-run -t demo -- python3 examples/sdk03_agent.py
    agentops show last

agentops-run offers the SDK a loopback endpoint (AGENTOPS_API_ENDPOINT) and a key it
accepts (AGENTOPS_API_KEY), so a plain `agentops.init()` works unchanged. With
`--join`, the agent joins the wrapper's session explicitly, the way AgentOps
documents inherited sessions.

The one gpt-4o call (1,000 prompt + 500 completion tokens) is priced from the price
table: 1000 x $0.0000025 + 500 x $0.00001 = $0.007500. The SDK's end of session
declares the end state; agentops-run ends the session from the exit status as well.
To keep it off the network entirely, set HTTPS_PROXY=http://127.0.0.1:9 and
NO_PROXY=127.0.0.1 (the SDK checks PyPI for updates on start).
"""
import os
import sys

import agentops
from agentops import ActionEvent, ErrorEvent, LLMEvent, ToolEvent

if "--join" in sys.argv:
    agentops.init(inherited_session_id=os.environ["AGENTOPS_SESSION_ID"], default_tags=["sdk"])
else:
    agentops.init(default_tags=["sdk"])

agentops.record(ActionEvent(action_type="plan", logs="look up the weather, then answer"))
agentops.record(ToolEvent(name="search", params={"q": "weather in Paris"}, returns=["sunny", "21C"]))
agentops.record(LLMEvent(model="gpt-4o", prompt="Is it sunny in Paris?", completion="Yes, 21C and sunny.",
                         prompt_tokens=1000, completion_tokens=500))
agentops.record(ErrorEvent(error_type="RateLimit", details="retried after 1s"))
agentops.add_tags(["weather"])
print("answer: yes, 21C and sunny")
agentops.end_session("Success", "answered")
