"""One info line per request: method, the route's path template, status and milliseconds."""

from __future__ import annotations

import logging

from starlette.types import Scope

log = logging.getLogger("tiffin.requests")


def log_request(scope: Scope, status: int, seconds: float) -> None:
    """An ``Edge`` hook. The template (``/v1/orders/{order_id}``), not the raw path, is logged:
    ids in a log line say nothing a reader needs and make the lines impossible to group."""
    if log.isEnabledFor(logging.INFO):
        route = getattr(scope.get("route"), "path", "(no route)")
        log.info("%s %s %d %.1f ms", scope["method"], route, status, seconds * 1000)
