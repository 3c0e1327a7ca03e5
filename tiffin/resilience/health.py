"""Readiness: can this process do useful work now? The checks behind ``/readyz``.

Ready means the database answers and its schema is current, no outbox consumer lags past
``MAX_OUTBOX_LAG`` events, and, when the background workers run, the dispatcher has completed a
cycle within three of its periods (plus five seconds of slack).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from tiffin.store.db import Database

MAX_OUTBOX_LAG = 10_000


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, object]


def readiness(
    db: Database,
    *,
    outbox_lag: Callable[[], dict[str, int]] | None,
    heartbeats: Mapping[str, datetime] | None,
    now: Callable[[], datetime],
    dispatch_seconds: float,
) -> Readiness:
    """Run every check; ``outbox_lag`` is None before the outbox runner exists and
    ``heartbeats`` None while the background workers are not running (neither is checked)."""
    checks: dict[str, object] = {}
    ready = True
    try:
        db.ping()
        checks["database"] = "ok"
        current = db.schema_is_current()
        checks["migrations"] = "current" if current else "behind"
        ready = ready and current
        if outbox_lag is not None:
            lag = outbox_lag()
            checks["outbox_lag"] = lag
            ready = ready and all(v <= MAX_OUTBOX_LAG for v in lag.values())
        if heartbeats is not None:
            beat = heartbeats.get("dispatch_once")
            age = (now() - beat).total_seconds() if beat else None
            checks["dispatcher_heartbeat_age_s"] = round(age, 1) if age is not None else "none yet"
            bound = 3 * dispatch_seconds + 5
            ready = ready and age is not None and age <= bound
    except SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = False
    return Readiness(ready, checks)


def notifications_state(push_webhook_url: str | None, sms_webhook_url: str | None) -> str:
    """A configuration state, not a health signal: with no push or SMS provider, customers hear
    through the in-app inbox and nothing counts as a failed message."""
    return "configured" if (push_webhook_url or sms_webhook_url) else "not configured"
