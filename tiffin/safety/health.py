"""Health check-ins before a shift, and their purge once the tenant's retention period ends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from tiffin.domain.ids import new_id
from tiffin.domain.people import Rider
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, NotFound
from tiffin.safety.policy import CheckIn, Refusal, Symptom, TestResult, assess_checkin
from tiffin.safety.rules import rules_of
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_h = tables.health_checkins.c


def own_rider(uow: UnitOfWork, principal: Principal, *, for_update: bool = False) -> Rider:
    """The rider the principal is; anyone else is refused."""
    if principal.role is not Role.RIDER or principal.subject_id is None:
        raise Forbidden("only a rider account can do this", code="rider_only")
    return uow.riders.require(principal.subject_id, for_update=for_update)


def own_rider_id(uow: UnitOfWork, principal: Principal) -> str:
    return own_rider(uow, principal).id


def tenant_rider_id(uow: UnitOfWork, principal: Principal, rider_id: str) -> str:
    """A rider of the operator's own tenant; any other id is simply not found."""
    rider = uow.riders.get(rider_id)
    if rider is None or rider.tenant_id != principal.tenant_id:
        raise NotFound(f"no rider with id {rider_id!r}", resource="rider")
    return rider.id


def check_in(
    uow: UnitOfWork,
    principal: Principal,
    *,
    temperature_tenths: int,
    symptoms: Iterable[Symptom],
    test_result: TestResult | None,
) -> CheckIn:
    """Record the rider's check-in under the tenant's rules; a failed one is kept too."""
    rider_id = own_rider_id(uow, principal)
    now = uow.clock.now()
    result = assess_checkin(
        rules_of(uow, principal.tenant_id),
        at=now,
        temperature_tenths=temperature_tenths,
        symptoms=symptoms,
        test_result=test_result,
    )
    uow.conn.execute(
        tables.health_checkins.insert().values(
            id=new_id("hck"),
            tenant_id=principal.tenant_id,
            rider_id=rider_id,
            at=now,
            temperature_tenths=result.temperature_tenths,
            symptoms=[s.value for s in result.symptoms],
            test_result=None if test_result is None else test_result.value,
            passed=result.passed,
            refusals=[r.__dict__ for r in result.refusals],
        )
    )
    return result


def _checkin(row: Any) -> CheckIn:
    return CheckIn(
        at=row.at,
        temperature_tenths=row.temperature_tenths,
        symptoms=tuple(Symptom(s) for s in row.symptoms),
        test_result=None if row.test_result is None else TestResult(row.test_result),
        refusals=tuple(Refusal(**r) for r in row.refusals),
    )


def checkins_of(
    uow: UnitOfWork, rider_id: str, *, limit: int = 100, offset: int = 0
) -> list[CheckIn]:
    """The rider's check-ins, newest first."""
    rows = uow.conn.execute(
        select(tables.health_checkins)
        .where(_h.rider_id == rider_id)
        .order_by(_h.at.desc(), _h.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_checkin(r) for r in rows]


def last_checkin(uow: UnitOfWork, rider_id: str) -> CheckIn | None:
    found = checkins_of(uow, rider_id, limit=1)
    return found[0] if found else None


def purge_expired(uow: UnitOfWork, now: datetime) -> int:
    """Delete every tenant's check-ins older than its retention period; returns how many."""
    purged = 0
    for tenant_id in uow.conn.execute(select(tables.tenants.c.id)).scalars().all():
        cutoff = rules_of(uow, tenant_id).purge_before(now)
        result = uow.conn.execute(
            delete(tables.health_checkins).where(_h.tenant_id == tenant_id, _h.at < cutoff)
        )
        purged += result.rowcount or 0
    return purged
