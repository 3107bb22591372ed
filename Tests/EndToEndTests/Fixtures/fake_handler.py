"""The request handler the fake servers (fake_agentops.py, fake_agentops_cloud.py,
fake_otlp.py) share: HTTP/1.1 keep-alive, no access log, and routing and the request
log on the path alone, the query (an endpoint's own, kept by the client after the API
path) logged apart in `self.query`."""
from http.server import BaseHTTPRequestHandler


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def parse_request(self):
        ok = super().parse_request()
        self.path, _, self.query = getattr(self, "path", "").partition("?")
        return ok

    def log_message(self, *args):
        pass
