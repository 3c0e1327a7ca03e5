"""Incidents: open, update, resolve; subscribers told of every update; make good on resolve.

An incident belongs to a tenant (an operator opened it) or to the whole platform (a health
signal opened it). Every public update goes to the subscribers of the affected components
(``incidents.subscribers``), in zh-CN and English. Customers with orders in flight that depend on
a hit component are told once when it opens, and again when it resolves
(``incidents.in_flight``). Resolving runs the make-good (``incidents.make_good``): every order
the incident touched, in the tenants whose operator confirmed it (``incidents.confirmation``), is
compensated once under its tenant's policy, and its customer is told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update

from tiffin.domain.ids import new_id
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.incidents import confirmation
from tiffin.incidents.in_flight import tell_opened, tell_resolved
from tiffin.incidents.make_good import MadeGood, make_good
from tiffin.incidents.model import Component, Impact, State
from tiffin.incidents.subscribers import tell_subscribers
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

i = tables.incidents.c


def _components(raw: dict[str, str]) -> dict[str, str]:
    try:
        parsed = {Component(k).value: Impact(v).value for k, v in raw.items()}
    except ValueError:
        raise Invalid(
            "components map ordering, dispatch, notifications or payments to an impact: "
            "none, minor, major or critical",
            code="bad_components",
        ) from None
    if not parsed:
        raise Invalid("name at least one affected component", code="bad_components")
    return parsed


def open_incident(
    uow: UnitOfWork,
    *,
    tenant_id: str | None,
    title: str,
    components: dict[str, str],
    message: str,
    author: str,
    source: str = "operator",
    started_at: datetime | None = None,
) -> str:
    now = uow.clock.now()
    if started_at is not None and started_at > now:
        raise Invalid("an incident cannot start in the future", code="bad_started_at")
    incident_id = new_id("inc")
    parsed = _components(components)
    uow.conn.execute(
        insert(tables.incidents).values(
            id=incident_id,
            tenant_id=tenant_id,
            title=title,
            state=State.INVESTIGATING.value,
            components=parsed,
            source=source,
            started_at=started_at or now,
            opened_at=now,
            opened_by=author,
        )
    )
    _add_update(uow, incident_id, State.INVESTIGATING, parsed, message, author)
    if source == "operator" and tenant_id is not None:  # an operator's word confirms it
        confirmation.confirm(uow, incident_id, tenant_id=tenant_id, by=author)
    tell_opened(uow, _row(uow, incident_id))
    return incident_id


def _row(uow: UnitOfWork, incident_id: str) -> dict[str, Any]:
    return dict(
        uow.conn.execute(select(tables.incidents).where(i.id == incident_id)).mappings().one()
    )


def get(uow: UnitOfWork, incident_id: str, *, tenant_id: str | None) -> dict[str, Any]:
    """An incident the caller may see: their tenant's, or the platform's."""
    row = uow.conn.execute(select(tables.incidents).where(i.id == incident_id)).mappings().first()
    if row is None or row["tenant_id"] not in (None, tenant_id):
        raise NotFound(f"no incident with id {incident_id!r}", resource="incident")
    return dict(row)


def post_update(
    uow: UnitOfWork,
    incident_id: str,
    *,
    tenant_id: str | None,
    state: State,
    message: str,
    author: str,
    components: dict[str, str] | None = None,
    internal: bool = False,
) -> MadeGood | None:
    """A new state and words for the status page (or an internal note). Resolving makes good."""
    row = get(uow, incident_id, tenant_id=tenant_id)
    if row["state"] == State.RESOLVED.value:
        raise Conflict("this incident is resolved; open a new one", code="incident_resolved")
    parsed = _components(components) if components else dict(row["components"])
    now = uow.clock.now()
    values: dict[str, Any] = {"state": state.value, "components": parsed}
    if state is State.RESOLVED:
        values["resolved_at"] = now
    uow.conn.execute(update(tables.incidents).where(i.id == incident_id).values(**values))
    _add_update(uow, incident_id, state, parsed, message, author, internal=internal)
    if state is State.RESOLVED:
        made = make_good(uow, incident_id)
        tell_resolved(uow, _row(uow, incident_id))
        return made
    return None


def publish_note(uow: UnitOfWork, incident_id: str, *, message: str, author: str) -> None:
    """Words for the status page and its subscribers without a change of state (a published
    statement); allowed after resolution, when statements are usually written."""
    row = _row(uow, incident_id)
    _add_update(uow, incident_id, State(row["state"]), dict(row["components"]), message, author)


def _add_update(
    uow: UnitOfWork,
    incident_id: str,
    state: State,
    components: dict[str, str],
    message: str,
    author: str,
    *,
    internal: bool = False,
) -> None:
    result = uow.conn.execute(
        insert(tables.incident_updates)
        .values(
            incident_id=incident_id,
            at=uow.clock.now(),
            state=state.value,
            components=components,
            message=message,
            author=author,
            internal=internal,
        )
        .returning(tables.incident_updates.c.id)
    )
    update_id = int(result.scalar_one())
    if not internal:
        tell_subscribers(uow, incident_id, update_id, state, components, message)


def open_in_force(uow: UnitOfWork, tenant_id: str, component: Component) -> bool:
    """Is a platform incident (major or worse) hurting ``component`` for this tenant now?"""
    rows = uow.conn.execute(
        select(i.components).where(
            i.state != State.RESOLVED.value,
            or_(i.tenant_id.is_(None), i.tenant_id == tenant_id),
        )
    ).scalars()
    return any(Impact(c.get(component.value, "none")).rank >= Impact.MAJOR.rank for c in rows)
