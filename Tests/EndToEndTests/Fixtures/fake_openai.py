#!/usr/bin/env python3
"""Loopback fake OpenAI server: POST /v1/chat/completions -> canned chat.completion with a usage block.
Also logs the request body (to show which headers/trace-context the instrumented client injects).
Usage: fake_openai.py PORT OUTDIR   (PORT 0: a free port, printed on the first line of stdout)"""
import json, os, sys, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
PORT = int(sys.argv[1]); OUT = sys.argv[2]; os.makedirs(OUT, exist_ok=True)
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0); body = self.rfile.read(n)
        with lock, open(os.path.join(OUT, "fake_openai_requests.jsonl"), "a") as f:
            f.write(json.dumps({"path": self.path, "headers": dict(self.headers.items()),
                                "body": json.loads(body or b"{}")}) + "\n")
        req = json.loads(body or b"{}")
        if self.path.rstrip("/").endswith("/chat/completions"):
            if req.get("model") == "fail-model":
                out = json.dumps({"error": {"message": "The model `fail-model` does not exist", "type": "invalid_request_error",
                                            "code": "model_not_found"}}).encode()
                self.send_response(404); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out); return
            resp = {
                "id": "chatcmpl-capture123", "object": "chat.completion", "created": int(time.time()),
                "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_capture",
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": "Paris is the capital of France.", "refusal": None}}],
                "usage": {"prompt_tokens": 23, "completion_tokens": 7, "total_tokens": 30,
                          "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                        "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
            }
            out = json.dumps(resp).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("x-request-id", "req_capture"); self.send_header("Content-Length", str(len(out)))
            self.end_headers(); self.wfile.write(out)
        else:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), H)
    print(server.server_address[1], flush=True)
    server.serve_forever()
