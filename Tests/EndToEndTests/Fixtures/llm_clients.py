#!/usr/bin/env python3
"""The real openai and anthropic clients, as an agent would use them, against
whatever OPENAI_BASE_URL and ANTHROPIC_BASE_URL say (the LLM proxy, in front of
fake_llm_api.py). Checks what each client sees, and saves the raw bytes of some
responses as OUT/<response id>.bin for the test to compare with what the API sent.

usage: llm_clients.py OUT
"""
import json
import sys

import anthropic
import openai

OUT = sys.argv[1]
MESSAGES = [{"role": "user", "content": "say hi"}]
oa = openai.OpenAI(max_retries=0)
an = anthropic.Anthropic(max_retries=0)


def save(raw):
    text = raw.decode()
    start = text.index('"id":"') + 6 if '"id":"' in text else text.index('"id": "') + 7
    rid = text[start:text.index('"', start)]
    with open(f"{OUT}/{rid}.bin", "wb") as f:
        f.write(raw)


# OpenAI: plain, streamed without and with usage asked for, embeddings.
r = oa.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
assert r.choices[0].message.content == "hello there", r
assert r.usage.prompt_tokens == 1200
chunks = list(oa.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "w0 w1 w2 "
assert all(c.usage is None and c.choices for c in chunks), "the client got a usage chunk it did not ask for"
chunks = list(oa.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True,
                                         stream_options={"include_usage": True}))
assert chunks[-1].usage.completion_tokens == 300 and chunks[-1].choices == []
e = oa.embeddings.create(model="text-embedding-3-small", input="hi")
assert e.usage.prompt_tokens == 5000

# Anthropic: plain and streamed.
m = an.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=100, messages=MESSAGES)
assert m.content[0].text == "hello there" and m.usage.output_tokens == 400
with an.messages.stream(model="claude-3-5-sonnet-20241022", max_tokens=100, messages=MESSAGES) as stream:
    assert stream.get_final_text() == "w0 w1 w2 "
    assert stream.get_final_message().usage.output_tokens == 400

# Error statuses come back as they are.
try:
    oa.chat.completions.create(model="error-429", messages=MESSAGES)
    raise SystemExit("no error")
except openai.RateLimitError as error:
    assert error.status_code == 429 and "slow down" in str(error), error
try:
    an.messages.create(model="error-429", max_tokens=10, messages=MESSAGES)
    raise SystemExit("no error")
except anthropic.RateLimitError as error:
    assert error.status_code == 429 and "slow down" in str(error), error

# The raw bytes, for the byte-for-byte comparison.
with oa.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=MESSAGES,
                                                        stream=True) as response:
    save(b"".join(response.iter_bytes()))
raw = oa.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
save(raw.http_response.content)
with an.messages.with_streaming_response.create(model="claude-3-5-sonnet-20241022", max_tokens=100,
                                                messages=MESSAGES, stream=True) as response:
    save(b"".join(response.iter_bytes()))
print("clients ok")
