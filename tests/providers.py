"""A real local HTTP provider for webhook tests: it records every call and fails on request."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Server(ThreadingHTTPServer):
    """The stdlib server with a real backlog: its default of 5 drops a burst's connections,
    and the client's SYN retry then costs a whole second."""

    request_queue_size = 256
    daemon_threads = True


@dataclass
class Provider:
    """A webhook endpoint that answers 503 to the first ``fail_first`` calls of each key."""

    fail_first: int = 0
    always_fail: bool = False
    calls: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers["Idempotency-Key"]
            state.calls.append({"key": key, **body})
            seen = sum(1 for c in state.calls if c["key"] == key)
            failing = state.always_fail or seen <= state.fail_first
            self.send_response(503 if failing else 202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        protocol_version = "HTTP/1.1"  # keep-alive, as real providers

        def log_message(self, *args: object) -> None:
            pass

    state.server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
