"""One info line per request: method, the route's path template, status and milliseconds."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tiffin.requests")


class LogRequests:
    """A plain ASGI middleware (no per-request task group, unlike ``BaseHTTPMiddleware``).

    The template (``/v1/orders/{order_id}``), not the raw path, is logged: ids in a log line
    say nothing a reader needs and make the lines impossible to group."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def send_noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting)
        finally:
            route = getattr(scope.get("route"), "path", "(no route)")
            ms = (time.perf_counter() - began) * 1000
            log.info("%s %s %d %.1f ms", scope["method"], route, status, ms)
