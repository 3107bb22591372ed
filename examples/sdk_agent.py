#!/usr/bin/env python3
"""An agent that uses the AgentOps Python SDK 0.4 (OpenTelemetry inside) and OpenAI.

Run it under agentops-run and its traces land in the wrapper's session, with no API
key for AgentOps and no code to change:

    pip install agentops==0.4.21 "opentelemetry-exporter-otlp-proto-http<1.45" openai
    agentops-run -t demo -- python3 examples/sdk_agent.py
    agentops show last

agentops-run points the SDK at its loopback listener (AGENTOPS_API_ENDPOINT,
AGENTOPS_EXPORTER_ENDPOINT) with a key it accepts. The pin matters: agentops 0.4.21
sends no spans with opentelemetry-exporter-otlp-proto-http 1.45 or later (agentops-run
says so when it sees it). The OpenAI call goes wherever OPENAI_BASE_URL and
OPENAI_API_KEY say; the SDK's instrumentation records it, and agentops-run prices its
tokens from the price table.

The tool, the agent, the LLM call and the trace become the session's events; the
trace's end state ("Success", or "Fail" with --fail) is declared to the session, which
ends with the worse of that and the exit status.
"""
import sys

import agentops
from agentops import agent, tool

agentops.init(auto_start_session=False)
import openai  # noqa: E402  (after init, so the SDK instruments it)

client = openai.OpenAI()


@tool
def search(query):
    return ["sunny", "21C"]


@tool
def book_table(restaurant):
    raise RuntimeError(f"{restaurant} is fully booked")


@agent(name="WeatherAgent")
def answer(question):
    hits = search(question)
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "Answer in one sentence."},
                  {"role": "user", "content": f"{question} Facts: {', '.join(hits)}"}])
    return reply.choices[0].message.content


trace = agentops.start_trace("weather", tags=["weather"])
print("answer:", answer("Is it sunny in Paris?"))
agentops.end_trace(trace, end_state="Success")

if "--fail" in sys.argv:
    trace = agentops.start_trace("booking", tags=["booking"])
    try:
        book_table("Chez Paul")
    except RuntimeError as error:
        print("booking failed:", error)
    agentops.end_trace(trace, end_state="Fail")
