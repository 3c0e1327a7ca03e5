"""/metrics for Prometheus, and the per-request observation the app's middleware makes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from tiffin.api.deps import PlatformDep

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
def metrics(platform: PlatformDep) -> Response:
    """Orders by state, open anomalies, outbox lag, dispatch decision time, notification delay,
    HTTP latency, background loops' heartbeats."""
    return Response(platform.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def observe_http(request: Request, status: int, seconds: float) -> None:
    """Count by the route's template (``/v1/orders/{order_id}``), never the raw path: ids would
    make a series per order."""
    route = getattr(request.scope.get("route"), "path", "unmatched")
    metrics = request.app.state.platform.metrics
    metrics.http_requests.labels(request.method, route, str(status)).inc()
    metrics.http_seconds.labels(route).observe(seconds)
