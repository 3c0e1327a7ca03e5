"""/healthz (the process is alive) and /readyz (it can do useful work)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from tiffin.api.deps import PlatformDep
from tiffin.platform import Platform

router = APIRouter(tags=["health"])

MAX_OUTBOX_LAG = 10_000


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _notifications(platform: Platform) -> str:
    """A configuration state, not a health signal: with no push or SMS provider, customers hear
    through the in-app inbox and nothing counts as a failed message."""
    s = platform.settings
    return "configured" if (s.push_webhook_url or s.sms_webhook_url) else "not configured"


@router.get("/readyz")
def readyz(platform: PlatformDep) -> JSONResponse:
    checks: dict[str, object] = {}
    ready = True
    try:
        platform.db.ping()
        checks["database"] = "ok"
        checks["notifications"] = _notifications(platform)
        current = platform.db.schema_is_current()
        checks["migrations"] = "current" if current else "behind"
        ready = ready and current
        if platform.runner is not None:
            lag = platform.runner.lag()
            checks["outbox_lag"] = lag
            ready = ready and all(v <= MAX_OUTBOX_LAG for v in lag.values())
        if platform.workers_running():
            beat = platform.heartbeats.get("dispatch_once")
            age = (platform.clock.now() - beat).total_seconds() if beat else None
            checks["dispatcher_heartbeat_age_s"] = round(age, 1) if age is not None else "none yet"
            bound = 3 * platform.settings.dispatch_seconds + 5
            ready = ready and age is not None and age <= bound
    except SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = False
    status = 200 if ready else 503
    headers = None if ready else {"Retry-After": "5"}
    return JSONResponse({"ready": ready, "checks": checks}, status_code=status, headers=headers)
