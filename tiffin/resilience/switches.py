"""Operators switch deferrable features off for their tenant, and back on; each change is a
``FeatureSwitched`` event in the outbox, which is also how other processes learn of it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tiffin.domain.events import FeatureSwitched
from tiffin.domain.principals import Principal
from tiffin.domain.priorities import FEATURES
from tiffin.errors import NotFound
from tiffin.resilience.degraded import OPERATOR, Degraded, Switch
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

MAX_SWITCH_SECONDS = 24 * 3600


def _known(feature: str) -> None:
    if feature not in FEATURES:
        known = ", ".join(FEATURES)
        raise NotFound(
            f"no feature called {feature!r}; these can be switched off: {known}",
            code="unknown_feature",
        )


def switch_off(
    uow: UnitOfWork,
    degraded: Degraded,
    principal: Principal,
    feature: str,
    *,
    reason: str,
    for_seconds: int,
) -> Switch:
    """Off for the operator's tenant for ``for_seconds`` (then back on by itself)."""
    _known(feature)
    now = uow.clock.now()
    switch = degraded.switch_off(
        feature, principal.tenant_id, reason=reason, for_s=for_seconds, since=now
    )
    uow.emit(
        FeatureSwitched(
            aggregate_id=feature,
            tenant_id=principal.tenant_id,
            at=now,
            actor=principal.actor,
            reason=reason,
            off=True,
            for_seconds=for_seconds,
        )
    )
    return switch


def switch_on(
    uow: UnitOfWork, degraded: Degraded, principal: Principal, feature: str, *, reason: str
) -> None:
    _known(feature)
    degraded.switch_on(feature, principal.tenant_id)
    uow.emit(
        FeatureSwitched(
            aggregate_id=feature,
            tenant_id=principal.tenant_id,
            at=uow.clock.now(),
            actor=principal.actor,
            reason=reason,
            off=False,
        )
    )


def recorded(uow: UnitOfWork) -> list[Switch]:
    """The operators' switches in force, from the last day's events (the newest per tenant and
    feature wins)."""
    o = tables.outbox.c
    now = uow.clock.now()
    rows = uow.conn.execute(
        select(o.tenant_id, o.aggregate_id, o.payload, o.occurred_at)
        .where(
            o.aggregate_id.in_(FEATURES),
            o.topic == FeatureSwitched.topic,
            o.occurred_at >= now - timedelta(seconds=MAX_SWITCH_SECONDS),
        )
        .order_by(o.id)
    )
    latest: dict[tuple[str, str], Switch | None] = {}
    for row in rows:
        data = row.payload.get("data", {})
        seconds = data.get("for_seconds")
        if data.get("off") and seconds:
            until = row.occurred_at + timedelta(seconds=int(seconds))
            reason = str(row.payload.get("reason", ""))
            latest[(row.tenant_id, row.aggregate_id)] = Switch(
                row.aggregate_id, row.tenant_id, OPERATOR, reason, row.occurred_at, until
            )
        else:
            latest[(row.tenant_id, row.aggregate_id)] = None
    return [s for s in latest.values() if s is not None and s.until is not None and s.until > now]
