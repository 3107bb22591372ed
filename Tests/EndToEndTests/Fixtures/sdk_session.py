#!/usr/bin/env python3
"""One session recorded by the real AgentOps Python SDK (agentops==0.3.26), for
comparing what it sends with what agentops-run sends. Talks only to the endpoint in
AGENTOPS_API_ENDPOINT (a fake server on 127.0.0.1): the SDK's update check against
PyPI is switched off, and HTTPS_PROXY points any other request at a closed local port.
"""
import os

import agentops
from agentops import ActionEvent, ErrorEvent, LLMEvent, ToolEvent

agentops.check_agentops_update = lambda: None

agentops.init(api_key=os.environ["AGENTOPS_API_KEY"], endpoint=os.environ["AGENTOPS_API_ENDPOINT"],
              default_tags=["sdk"], auto_start_session=True)
agentops.record(ActionEvent(action_type="plan", logs="step 1"))
agentops.record(ToolEvent(name="search", params={"q": "weather"}, returns=["sunny"]))
agentops.record(LLMEvent(model="gpt-4o", prompt="say hi", completion="hello", prompt_tokens=10, completion_tokens=5))
agentops.record(ErrorEvent(error_type="Timeout", details="upstream slow"))
agentops.add_tags(["more"])
agentops.end_session("Fail", "answer rejected")
