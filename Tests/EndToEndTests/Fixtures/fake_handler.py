"""The request handler the fake servers (fake_agentops.py, fake_agentops_cloud.py,
fake_otlp.py) share: HTTP/1.1 keep-alive, no access log, and routing and the request
log on the path alone, the query (an endpoint's own, kept by the client after the API
path) logged apart in `self.query`; and the one way they log a request and answer it
(`log_and_answer`)."""
import json
import threading
from http.server import BaseHTTPRequestHandler


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The file that gets one JSON line per request, set by the server script.
    log_file = None
    # Handler threads append to the log one whole line at a time.
    log_lock = threading.Lock()

    def parse_request(self):
        ok = super().parse_request()
        self.path, _, self.query = getattr(self, "path", "").partition("?")
        return ok

    def log_message(self, *args):
        pass

    def append_to_log(self, status, entry):
        """Appends the request to `log_file`: method, path, query, `status`, headers with
        lowercase names, and `entry`'s own members, such as its body."""
        line = dict(entry, method=self.command, path=self.path, query=self.query, status=status,
                    headers={k.lower(): v for k, v in self.headers.items()})
        with self.log_lock:
            with open(self.log_file, "a") as f:
                f.write(json.dumps(line) + "\n")

    def log_and_answer(self, status, body, content_type, entry, headers=None):
        """Logs the request (`append_to_log`), then answers `status` with `body` and
        `headers`."""
        self.append_to_log(status, entry)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
