"""Each tenant's workload caps, as its operators set them: stored, read by the live dispatcher.

A campus with short lunch rushes and a city with long evenings need different limits; the
defaults (``WorkloadCaps()``) hold until an operator sets the tenant's own. Every change is an
event (``WorkloadCapsChanged``, with who and why) in the outbox, like every other decision.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tiffin.domain.events import WorkloadCapsChanged
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid
from tiffin.optimiser.caps import WorkloadCaps
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_c = tables.workload_caps.c


def caps_of(uow: UnitOfWork, tenant_id: str) -> WorkloadCaps:
    """The tenant's caps, or the defaults if its operators never set any."""
    row = uow.conn.execute(
        select(_c.max_orders_per_hour, _c.max_continuous_minutes, _c.max_carried).where(
            _c.tenant_id == tenant_id
        )
    ).first()
    if row is None:
        return WorkloadCaps()
    return WorkloadCaps(row.max_orders_per_hour, row.max_continuous_minutes, row.max_carried)


def set_caps(uow: UnitOfWork, principal: Principal, caps: WorkloadCaps, reason: str) -> None:
    """Replace the operator's tenant's caps; they apply from the next dispatch cycle."""
    if not reason.strip():
        raise Invalid("say why the caps change", code="reason_required")
    now = uow.clock.now()
    values = {
        "max_orders_per_hour": caps.max_orders_per_hour,
        "max_continuous_minutes": caps.max_continuous_minutes,
        "max_carried": caps.max_carried,
        "updated_by": principal.user_id,
        "updated_at": now,
    }
    dialect = postgresql if uow.conn.dialect.name == "postgresql" else sqlite
    uow.conn.execute(
        dialect.insert(tables.workload_caps)
        .values(tenant_id=principal.tenant_id, **values)
        .on_conflict_do_update(index_elements=[_c.tenant_id], set_=values)
    )
    uow.emit(
        WorkloadCapsChanged(
            aggregate_id=principal.tenant_id,
            tenant_id=principal.tenant_id,
            at=now,
            actor=principal.actor,
            reason=reason,
            max_orders_per_hour=caps.max_orders_per_hour,
            max_continuous_minutes=caps.max_continuous_minutes,
            max_carried=caps.max_carried,
        )
    )
