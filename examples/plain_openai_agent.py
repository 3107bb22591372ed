#!/usr/bin/env python3
"""A plain OpenAI agent: no AgentOps, no OpenTelemetry in its code.

Recorded with zero code changes by OpenTelemetry's auto-instrumentation, which sends its
spans to agentops-run's listener (agentops-run sets OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
and OTEL_EXPORTER_OTLP_TRACES_PROTOCOL for the command):

    pip install opentelemetry-distro "opentelemetry-exporter-otlp-proto-http<1.45" \\
        opentelemetry-instrumentation-openai openai
    OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none \\
        agentops-run -t demo -- opentelemetry-instrument python3 examples/plain_openai_agent.py
    agentops show last

The chat call becomes an LLM event with its model, tokens, prompt and completion,
priced from agentops-run's price table. OPENAI_BASE_URL and OPENAI_API_KEY say where
the call goes.
"""
import openai

client = openai.OpenAI()
reply = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "What is the capital of France?"}])
print("answer:", reply.choices[0].message.content)
