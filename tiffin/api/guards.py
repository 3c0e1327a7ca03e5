"""Guards every answer passes through: a request-body limit, security headers, and the server
options that bound slow clients.

``Edge`` is plain ASGI (no BaseHTTPMiddleware task group per request). The body limit refuses a
request whose ``Content-Length`` is over the limit before reading any of it, and stops a chunked
upload as soon as the bytes received pass it: memory never holds more than the limit.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tiffin.errors import Forbidden, Unauthorized

PROBLEM = b"application/problem+json"

# The API answers JSON and one server-rendered page (/status: inline styles, no scripts).
STRICT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# /docs and /redoc are FastAPI's Swagger UI and ReDoc pages: their bundles come from jsDelivr,
# each page starts them with an inline script, ReDoc loads Google fonts and runs a blob worker.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src https://fonts.gstatic.com; connect-src 'self'; worker-src blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# The console's pages (tiffin.console): their own CSS and JS from the same origin, no inline
# script or style, the live regions over server-sent events from the same origin, forms posting
# only back to it.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CONSOLE_PATHS = ("/console", "/app")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def _csp(path: str) -> bytes:
    if path.startswith(DOCS_PATHS):
        return DOCS_CSP.encode()
    return (CONSOLE_CSP if path.startswith(CONSOLE_PATHS) else STRICT_CSP).encode()


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` mid-upload; FastAPI passes HTTPExceptions from body reading on
    to the problem handler unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


Answered = Callable[[Scope, int, float], None]  # (scope, status, seconds) once answered


class Edge:
    """The one middleware every request passes: the body limit (413 problem+json for a body
    over ``max_bytes``, refused from ``Content-Length`` before reading, or as soon as a chunked
    upload passes it), the security headers on every answer (a route's own win), and then each
    of ``answered`` with the status and the time taken (the answer counts, the metrics, the
    request log).

    One plain ASGI layer rather than four: each layer wrapped ``send`` and ``receive`` in
    closures of its own, and the four cost about a fifth of an order placement's CPU on the
    event loop (measured with py-spy under bench/api_orders.py)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, answered: Sequence[Answered]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.answered = tuple(answered)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        csp = _csp(str(scope.get("path", "")))
        status = 500
        started = False
        received = 0

        async def guarded_send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = [*SECURITY_HEADERS, (b"content-security-policy", csp)]
                headers += [(n, v) for n, v in wanted if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_bytes:
                await _refuse(guarded_send, self.max_bytes)
                return
            try:
                await self.app(scope, limited_receive, guarded_send)
            except BodyTooLarge:
                if started:
                    raise
                await _refuse(guarded_send, self.max_bytes)
        finally:
            seconds = time.perf_counter() - began
            for hook in self.answered:
                hook(scope, status, seconds)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server itself refuses a malformed length
    return None


async def _refuse(send: Send, limit: int) -> None:
    problem: dict[str, Any] = {
        "type": "about:blank",
        "title": "Request body too large",
        "status": 413,
        "detail": f"the request body is larger than {limit} bytes",
        "code": "body_too_large",
    }
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def server_options(*, concurrency: int | None) -> dict[str, Any]:
    """uvicorn options that stop slow or idle clients from holding the server: idle keep-alive
    connections close after 5 s, a request's headers must fit in 16 KiB, and past
    ``concurrency`` open connections new ones get 503 at once instead of queueing."""
    return {
        "timeout_keep_alive": 5,
        "h11_max_incomplete_event_size": 16 * 1024,
        "limit_concurrency": concurrency,
        "timeout_graceful_shutdown": 10,
    }


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def metrics_access(request: Request) -> None:
    """/metrics shows every tenant's counts, so it is never public: with ``metrics_token`` set,
    callers send it as a bearer token (any address); without one, only loopback clients (a
    Prometheus agent on the same machine) are answered."""
    settings = request.app.state.platform.settings
    token = settings.metrics_token
    if token is not None:
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise Unauthorized("send 'Authorization: Bearer <metrics token>'", code="metrics_token")
        return
    client = request.client.host if request.client else ""
    if client not in LOOPBACK:
        raise Forbidden(
            "/metrics answers only on loopback unless a metrics token is configured",
            code="metrics_loopback_only",
        )
