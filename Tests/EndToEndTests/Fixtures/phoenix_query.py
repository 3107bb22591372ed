#!/usr/bin/env python3
"""One request to Phoenix's REST or GraphQL API, for a test that reads back what it
stored: prints the HTTP status on the first line of stdout and the body after it.
Standard library only; run inside Phoenix's network namespace (see phoenix_server.py).

usage: phoenix_query.py URL [BODY [CONTENT-TYPE [NAME=VALUE...]]]
  without BODY, GET URL; with it, POST BODY (`@FILE`: that file's bytes) as CONTENT-TYPE
  (application/json unless given), with the headers NAME=VALUE"""
import sys
import urllib.error
import urllib.request

url = sys.argv[1]
body = None
headers = {}
if len(sys.argv) > 2:
    text = sys.argv[2]
    body = open(text[1:], "rb").read() if text.startswith("@") else text.encode()
    headers["Content-Type"] = sys.argv[3] if len(sys.argv) > 3 else "application/json"
    for pair in sys.argv[4:]:
        name, _, value = pair.partition("=")
        headers[name] = value
request = urllib.request.Request(url, data=body, headers=headers)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(request, timeout=30) as response:
        status, data = response.status, response.read()
except urllib.error.HTTPError as error:
    status, data = error.code, error.read()
sys.stdout.write(f"{status}\n")
sys.stdout.flush()
sys.stdout.buffer.write(data)
