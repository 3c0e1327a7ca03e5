"""/healthz (the process is alive), /readyz (it can do useful work), /metrics (Prometheus), the
middleware that counts every HTTP answer toward the metrics and the health watch, and
/v1/degraded-features (deferrable features switched off)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import Scope

from tiffin.api.deps import OperatorPrincipal, PlatformDep
from tiffin.api.guards import metrics_access
from tiffin.api.problems import error_responses
from tiffin.clock import Clock
from tiffin.domain.priorities import FEATURES, Priority, priority
from tiffin.resilience import switches
from tiffin.resilience.health import notifications_state, readiness
from tiffin.resilience.metrics import Metrics
from tiffin.resilience.schemas import FeaturesRead, SwitchOff, SwitchOn, SwitchRead

router = APIRouter(tags=["health"])


@priority(Priority.CORE)
@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers (it checks nothing else)."""
    return {"status": "ok"}


@priority(Priority.CORE)
@router.get("/readyz")
def readyz(platform: PlatformDep) -> JSONResponse:
    """Readiness: database, migrations, outbox lag and the dispatcher's heartbeat; 503 with Retry-
    After while not ready."""
    runner = platform.runner
    result = readiness(
        platform.db,
        outbox_lag=runner.lag if runner is not None else None,
        heartbeats=platform.heartbeats if platform.workers_running() else None,
        now=platform.clock.now,
        dispatch_seconds=platform.settings.dispatch_seconds,
    )
    status = 200 if result.ready else 503
    headers = None if result.ready else {"Retry-After": "5"}
    s = platform.settings
    checks = {
        **result.checks,
        "notifications": notifications_state(s.push_webhook_url, s.sms_webhook_url),
        "features_off": platform.degraded.snapshot(),  # the health watch's, for everyone
        "admission": platform.admission.snapshot(),
        "startup": platform.startup.snapshot() if platform.startup else "workers not started",
    }
    return JSONResponse(
        {"ready": result.ready, "checks": checks}, status_code=status, headers=headers
    )


@priority(Priority.IMPORTANT)
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


class _Answers(Protocol):
    def record(self, at: datetime, status_code: int, tenant_id: str | None = None) -> None: ...


class Observed(Protocol):
    """What ``answer_counter`` feeds (the platform): the health watch's answer counts, the metrics,
    and the clock they are timed by."""

    @property
    def http(self) -> _Answers: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def clock(self) -> Clock: ...


def answer_counter(platform: Observed) -> Callable[[Scope, int, float], None]:
    """An ``Edge`` hook: every answer counts toward the error-rate signal (with the tenant, once
    the caller is known) and the latency metrics, by the route's template
    (``/v1/orders/{order_id}``), never the raw path: ids would make a series per order."""

    def count(scope: Scope, status: int, seconds: float) -> None:
        tenant_id = scope.get("state", {}).get("tenant_id")
        platform.http.record(platform.clock.now(), status, tenant_id)
        route = getattr(scope.get("route"), "path", "unmatched")
        metrics = platform.metrics
        metrics.http_requests.labels(scope["method"], route, str(status)).inc()
        metrics.http_seconds.labels(route).observe(seconds)

    return count


# /v1/degraded-features: operators switch deferrable features off for their tenant (browse lists,
# reports, forecasts ...) and back on; the health watch's switches show here too.

switches_router = APIRouter(
    prefix="/v1/degraded-features",
    tags=["health"],
    responses=error_responses(400, 401, 403, 404, 422),
)
Feature = Path(max_length=40, description="One of the deferrable features.")


def _read(platform: PlatformDep, tenant_id: str) -> FeaturesRead:
    off = [SwitchRead(**s) for s in platform.degraded.snapshot(tenant_id)]  # type: ignore[arg-type]
    return FeaturesRead(features=list(FEATURES), off=off)


@priority(Priority.CORE)  # the operator's lever under overload must not itself be shed
@switches_router.get("")
def list_features(platform: PlatformDep, principal: OperatorPrincipal) -> FeaturesRead:
    """Every feature that can be switched off, and those off now for this tenant or everyone."""
    return _read(platform, principal.tenant_id)


@priority(Priority.CORE)
@switches_router.put("/{feature}")
def switch_off(
    body: SwitchOff, platform: PlatformDep, principal: OperatorPrincipal, feature: str = Feature
) -> FeaturesRead:
    """Switch a feature off for this tenant: its routes answer 503 with Retry-After until
    ``for_seconds`` pass or it is switched back on."""
    with platform.uow() as uow:
        switches.switch_off(
            uow,
            platform.degraded,
            principal,
            feature,
            reason=body.reason,
            for_seconds=body.for_seconds,
        )
        uow.commit()
    return _read(platform, principal.tenant_id)


@priority(Priority.CORE)
@switches_router.post("/{feature}/on")
def switch_on(
    body: SwitchOn, platform: PlatformDep, principal: OperatorPrincipal, feature: str = Feature
) -> FeaturesRead:
    """Switch a feature back on for this tenant now."""
    with platform.uow() as uow:
        switches.switch_on(uow, platform.degraded, principal, feature, reason=body.reason)
        uow.commit()
    return _read(platform, principal.tenant_id)
