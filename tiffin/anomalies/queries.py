"""Anomaly records and the tenant's care documents in the database: open or merge anomalies, log
actions, read and save playbooks, policies and force-majeure windows.

One row per (order, type): a second detection of the same trouble merges into the first
(``occurrences`` goes up, the facts and severity are refreshed) and does not run the playbook
again, so nobody is re-dispatched, compensated or told twice for one problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from tiffin.anomalies.playbook import DEFAULT_PLAYBOOK, Playbook, load_playbook
from tiffin.anomalies.thresholds import Thresholds
from tiffin.care.policy import CompensationPolicy, load_policy
from tiffin.care.queries import latest_document, policy_for, store_version
from tiffin.domain.anomalies import Detection
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.domain.weather import WeatherWindow
from tiffin.errors import Invalid
from tiffin.store import tables, weather
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

OPEN, ESCALATED, HANDLED, CLOSED = "open", "escalated", "handled", "closed"
ACTIVE = (OPEN, ESCALATED)


@dataclass(frozen=True)
class Opened:
    id: str
    new: bool  # False: merged into an earlier record of the same order and type


def open_or_merge(
    uow: UnitOfWork, tenant_id: str, d: Detection, *, playbook_version: int, t: Thresholds
) -> Opened:
    a = tables.anomalies.c
    anomaly_id = new_id("anm")
    row = {
        "id": anomaly_id,
        "tenant_id": tenant_id,
        "order_id": d.order_id,
        "type": d.type.value,
        "severity": int(d.severity),
        "status": OPEN,
        "liable": d.liable.value,
        "reason": d.reason.value,
        "facts": _jsonable(d.facts),
        "since_at": d.since,
        "detected_at": d.at,
        "sla_due_at": d.at + timedelta(minutes=t.sla_for(d.severity)),
        "occurrences": 1,
        "playbook_version": playbook_version,
    }
    if insert_ignore(uow.conn, tables.anomalies, row):
        return Opened(anomaly_id, True)
    existing = uow.conn.execute(
        select(a.id, a.severity).where(a.order_id == d.order_id, a.type == d.type.value)
    ).one()
    uow.conn.execute(
        update(tables.anomalies)
        .where(a.id == existing.id)
        .values(
            occurrences=a.occurrences + 1,
            facts=_jsonable(d.facts),
            severity=max(int(existing.severity), int(d.severity)),
        )
    )
    return Opened(existing.id, False)


def log_action(
    uow: UnitOfWork,
    anomaly_id: str,
    step: str,
    outcome: str,
    *,
    actor: str = "system",
    data: dict[str, Any] | None = None,
) -> None:
    uow.conn.execute(
        insert(tables.anomaly_actions).values(
            anomaly_id=anomaly_id,
            at=uow.clock.now(),
            actor=actor,
            step=step,
            outcome=outcome,
            data=_jsonable(data or {}),
        )
    )


def set_status(
    uow: UnitOfWork, anomaly_id: str, status: str, *, resolution: str | None = None
) -> None:
    values: dict[str, Any] = {"status": status}
    if status == CLOSED:
        values |= {"closed_at": uow.clock.now(), "resolution": resolution}
    a = tables.anomalies.c
    uow.conn.execute(update(tables.anomalies).where(a.id == anomaly_id).values(**values))


def active_for_orders(uow: UnitOfWork, order_ids: list[str]) -> list[dict[str, Any]]:
    if not order_ids:
        return []
    a = tables.anomalies.c
    query = select(a.id, a.order_id, a.type, a.facts).where(
        a.order_id.in_(order_ids), a.status.in_(ACTIVE)
    )
    return [dict(r) for r in uow.conn.execute(query).mappings()]


def overdue(uow: UnitOfWork, tenant_id: str, now: datetime) -> list[str]:
    """Open anomalies whose SLA timer ran out (they go to the operator queue)."""
    a = tables.anomalies.c
    query = select(a.id).where(
        a.tenant_id == tenant_id, a.status == OPEN, a.sla_due_at <= now, a.taken_by.is_(None)
    )
    return list(uow.conn.execute(query).scalars())


# --- per-tenant documents: playbook and compensation policy, versioned ---------------------


def playbook_for(uow: UnitOfWork, tenant_id: str) -> Playbook:
    document = latest_document(uow, tenant_id, "playbook")
    return load_playbook(document) if document else DEFAULT_PLAYBOOK


def save_document(uow: UnitOfWork, operator: Principal, kind: str, document: dict[str, Any]) -> int:
    """Validate and store a new version; versions only go up, so grants and anomalies can
    always say which rules they were handled under."""
    current: Playbook | CompensationPolicy
    if kind == "playbook":
        current = playbook_for(uow, operator.tenant_id)
        parsed: Playbook | CompensationPolicy = load_playbook(document)
    elif kind == "compensation":
        current = policy_for(uow, operator.tenant_id)
        parsed = load_policy(document)
    else:
        raise Invalid(f"unknown document kind {kind!r}", code="unknown_kind")
    return store_version(
        uow,
        operator.tenant_id,
        kind,
        version=parsed.version,
        current=current.version,
        document=parsed.model_dump(mode="json"),
        author=operator.user_id,
    )


def weather_windows(uow: UnitOfWork, tenant_id: str, at: datetime) -> list[WeatherWindow]:
    """The tenant's force-majeure windows in force at ``at``, tenant-wide and zoned."""
    return weather.in_force(uow.conn, tenant_id, at)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def close(uow: UnitOfWork, anomaly_id: str, *, by: str, resolution: str) -> None:
    set_status(uow, anomaly_id, CLOSED, resolution=resolution)
    log_action(uow, anomaly_id, "close", resolution, actor=by)
