#!/usr/bin/env python3
"""A fake AgentOps v2 API on 127.0.0.1 for tests: records every request and can
misbehave on demand. Prints its port on the first line of stdout, then serves until
killed (or for at most 300 s).

usage: fake_agentops.py LOG MODE
  LOG   file that gets one JSON line per request: method, path, headers, body
  MODE  ok | fail-first-3 (HTTP 500 three times, then ok) | expire-jwt (the first
        create_events with a JWT gets 401 until /v2/reauthorize_jwt) |
        invalid-json (create_session answers 200 with a body that is not JSON) |
        slow (every answer after 3 s) | blackhole (accepts, never answers) |
        retry-after (429 with Retry-After: 1 once, then ok) |
        busy-now (every request 503 with Retry-After: 0, a backend shedding load) |
        drop-kept-alive (the second request on each connection is read, logged with
        status "dropped" and its connection closed unanswered, as a server whose idle
        timeout races the client; the first create_events answers 503 with
        Retry-After: 1) |
        bad-status (create_session answers "HTTP/1.1 2OO Fine") |
        bad-framing (create_events answers 200 with "Content-Length: -1") |
        not-http (every POST answers an SSH banner and keeps the connection open);
        these three log the request with status "malformed"
"""
import json
import sys
import threading
import time
from http.server import ThreadingHTTPServer

from fake_handler import FakeHandler

LOG, MODE = sys.argv[1], sys.argv[2]
lock = threading.Lock()
state = {"requests": 0, "reauthorized": False, "expired_once": False, "retried": False}


class Handler(FakeHandler):
    log_file = LOG
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for
    # the ACK of the headers, which the client delays by 40 ms (Nagle and delayed
    # ACK), adding 40 ms to some answers that no real server would add.
    disable_nagle_algorithm = True

    def record(self, body):
        self.body = body
        with lock:
            state["requests"] += 1
            return state["requests"]

    def answer(self, status, payload, raw=None, headers=None):
        data = raw if raw is not None else json.dumps(payload).encode()
        self.log_and_answer(status, data, "application/json", {"body": self.body}, headers)

    def malformed(self, raw, hold=False):
        """Logs the request as "malformed" and answers `raw` as it is; with `hold`, keeps
        the connection open after it, as a server that is not HTTP waits for more."""
        self.append_to_log("malformed", {"body": self.body})
        self.wfile.write(raw)
        self.wfile.flush()
        self.close_connection = True
        if hold:
            time.sleep(60)

    def do_GET(self):
        self.record(None)
        if self.path.endswith("/stats"):
            self.answer(200, {"session_id": self.path.split("/")[3], "cost": 0.0042, "events": 3,
                              "prompt_tokens": 10, "completion_tokens": 5, "errors": 1})
        elif self.path.endswith("/export"):
            self.answer(200, {"session": {"id": self.path.split("/")[3]}, "actions": [], "llms": [], "tools": [],
                              "errors": []})
        else:
            self.answer(404, {"path": self.path, "message": "Not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsable": raw.decode("utf-8", "replace")}
        number = self.record(body)
        if MODE == "blackhole":
            time.sleep(300)
            return
        if MODE == "not-http":
            return self.malformed(b"SSH-2.0-OpenSSH_9.6\r\n", hold=True)
        if MODE == "bad-status" and self.path == "/v2/create_session":
            return self.malformed(b"HTTP/1.1 2OO Fine\r\nContent-Length: 2\r\n\r\n{}")
        if MODE == "bad-framing" and self.path == "/v2/create_events":
            return self.malformed(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
        if MODE == "slow":
            time.sleep(3)
        if MODE == "fail-first-3" and number <= 3:
            return self.answer(500, {"path": self.path, "message": "Internal error"})
        self.served = getattr(self, "served", 0) + 1
        if MODE == "drop-kept-alive":
            if self.served == 2:
                self.append_to_log("dropped", {"body": self.body})
                self.close_connection = True
                return
            if self.path == "/v2/create_events" and not state["retried"]:
                state["retried"] = True
                return self.answer(503, {"path": self.path, "message": "Busy"}, headers={"Retry-After": "1"})
        if MODE == "busy-now":
            return self.answer(503, {"path": self.path, "message": "Busy"}, headers={"Retry-After": "0"})
        if MODE == "retry-after" and not state["retried"]:
            state["retried"] = True
            return self.answer(429, {"path": self.path, "message": "Slow down"}, headers={"Retry-After": "1"})
        path = self.path
        if path == "/v2/create_session":
            if MODE == "invalid-json":
                return self.answer(200, None, raw=b"<html>not json</html>")
            session = body["session"]["session_id"]
            return self.answer(200, {"status": "Success", "jwt": "jwt-" + session,
                                     "session_url": "http://127.0.0.1/drilldown?session_id=" + session})
        if path == "/v2/reauthorize_jwt":
            state["reauthorized"] = True
            return self.answer(200, {"status": "Success", "jwt": "fresh-jwt"})
        if path == "/v2/create_events":
            auth = self.headers.get("Authorization", "")
            if MODE == "expire-jwt" and not state["reauthorized"]:
                return self.answer(401, {"path": path, "message": "Expired Token"})
            if not auth.startswith("Bearer "):
                return self.answer(401, {"path": path, "message": "No token"})
            return self.answer(200, "Success")
        if path == "/v2/update_session":
            return self.answer(200, {"status": "success", "token_cost": "0.0042", "session_url": "x"})
        return self.answer(404, {"path": path, "message": "Not found"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Timer(300, server.shutdown).start()
server.serve_forever()
