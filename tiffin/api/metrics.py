"""/metrics for Prometheus, and the per-request observation the app's middleware makes."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tiffin.api.deps import PlatformDep
from tiffin.api.guards import metrics_access
from tiffin.api.problems import error_responses
from tiffin.platform import Platform

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(metrics_access)],
    responses=error_responses(401, 403),
)
def metrics(platform: PlatformDep) -> Response:
    """Orders by state, open anomalies, outbox lag, dispatch decision time, notification delay,
    HTTP latency, background loops' heartbeats."""
    return Response(platform.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


class CountAnswers:
    """Every answer counts toward the error-rate signal and the latency metrics.

    A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's
    BaseHTTPMiddleware wraps each request in a task group and memory streams, CPU that every
    request would pay for a counter."""

    def __init__(self, app: ASGIApp, platform: Platform) -> None:
        self.app = app
        self.platform = platform

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def send_counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            tenant_id = scope.get("state", {}).get("tenant_id")  # set once the caller is known
            self.platform.http.record(self.platform.clock.now(), status, tenant_id)
            self._observe(scope, status, time.perf_counter() - began)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Count by the route's template (``/v1/orders/{order_id}``), never the raw path: ids
        would make a series per order."""
        route = getattr(scope.get("route"), "path", "unmatched")
        metrics = self.platform.metrics
        metrics.http_requests.labels(scope["method"], route, str(status)).inc()
        metrics.http_seconds.labels(route).observe(seconds)
