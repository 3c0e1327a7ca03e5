"""Training courses and completions, insurance policies, protective equipment stock and issues:
the records an operator keeps per rider, each valid for a window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.safety.policy import Mode, Validity
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_tc, _tr = tables.training_courses.c, tables.training_records.c
_ip, _es, _ei = tables.insurance_policies.c, tables.equipment_stock.c, tables.equipment_issues.c


@dataclass(frozen=True)
class Course:
    id: str
    name: str
    validity_days: int
    required_in: frozenset[Mode]


def add_course(
    uow: UnitOfWork,
    principal: Principal,
    *,
    name: str,
    validity_days: int,
    required_in: Iterable[Mode],
) -> Course:
    """A course riders of the tenant take; ``required_in`` names the modes that demand it."""
    if uow.conn.execute(
        select(_tc.id).where(_tc.tenant_id == principal.tenant_id, _tc.name == name)
    ).first():
        raise Conflict(f"a course named {name!r} exists already", code="course_exists")
    course = Course(new_id("crs"), name, validity_days, frozenset(required_in))
    uow.conn.execute(
        tables.training_courses.insert().values(
            id=course.id,
            tenant_id=principal.tenant_id,
            name=name,
            validity_days=validity_days,
            required_in=sorted(m.value for m in course.required_in),
            created_by=principal.user_id,
            created_at=uow.clock.now(),
        )
    )
    return course


def courses_of(
    uow: UnitOfWork, tenant_id: str, *, limit: int = 100, offset: int = 0
) -> list[Course]:
    rows = uow.conn.execute(
        select(tables.training_courses)
        .where(_tc.tenant_id == tenant_id)
        .order_by(_tc.name)
        .limit(limit)
        .offset(offset)
    )
    return [
        Course(r.id, r.name, r.validity_days, frozenset(Mode(m) for m in r.required_in))
        for r in rows
    ]


def record_training(
    uow: UnitOfWork, principal: Principal, *, rider_id: str, course_id: str, completed_at: datetime
) -> Validity:
    """The rider completed the course (an operator records it); valid for the course's days."""
    row = uow.conn.execute(
        select(tables.training_courses).where(
            _tc.id == course_id, _tc.tenant_id == principal.tenant_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no course with id {course_id!r}", resource="course")
    if completed_at > uow.clock.now():
        raise Invalid("a course cannot be completed in the future", code="bad_training")
    until = completed_at + timedelta(days=row.validity_days)
    uow.conn.execute(
        tables.training_records.insert().values(
            id=new_id("trn"),
            tenant_id=principal.tenant_id,
            rider_id=rider_id,
            course_id=course_id,
            completed_at=completed_at,
            valid_until=until,
            recorded_by=principal.user_id,
        )
    )
    return Validity(row.name, completed_at, until)


def trainings_of(uow: UnitOfWork, rider_id: str) -> list[Validity]:
    rows = uow.conn.execute(
        select(_tc.name, _tr.completed_at, _tr.valid_until)
        .join(tables.training_courses, _tc.id == _tr.course_id)
        .where(_tr.rider_id == rider_id)
        .order_by(_tr.valid_until.desc())
        .limit(100)
    )
    return [Validity(r.name, r.completed_at, r.valid_until) for r in rows]


def record_policy(
    uow: UnitOfWork,
    principal: Principal,
    *,
    rider_id: str,
    insurer: str,
    policy_number: str,
    valid_from: datetime,
    valid_until: datetime,
) -> Validity:
    """An insurance policy covering the rider for a window; a policy number is recorded once."""
    if valid_until <= valid_from:
        raise Invalid("a policy must end after it starts", code="bad_policy")
    taken = select(_ip.id).where(
        _ip.tenant_id == principal.tenant_id, _ip.policy_number == policy_number
    )
    if uow.conn.execute(taken).first():
        raise Conflict(f"policy {policy_number!r} is recorded already", code="policy_exists")
    uow.conn.execute(
        tables.insurance_policies.insert().values(
            id=new_id("ins"),
            tenant_id=principal.tenant_id,
            rider_id=rider_id,
            insurer=insurer,
            policy_number=policy_number,
            valid_from=valid_from,
            valid_until=valid_until,
            recorded_by=principal.user_id,
        )
    )
    return Validity(f"{insurer} {policy_number}", valid_from, valid_until)


def policies_of(uow: UnitOfWork, rider_id: str) -> list[Validity]:
    rows = uow.conn.execute(
        select(_ip.insurer, _ip.policy_number, _ip.valid_from, _ip.valid_until)
        .where(_ip.rider_id == rider_id)
        .order_by(_ip.valid_until.desc())
        .limit(100)
    )
    return [Validity(f"{r.insurer} {r.policy_number}", r.valid_from, r.valid_until) for r in rows]


@dataclass(frozen=True)
class Stock:
    station: str
    item: str
    quantity: int


def set_stock(
    uow: UnitOfWork, principal: Principal, *, station: str, item: str, quantity: int
) -> Stock:
    """Count of an item at a station, as counted by an operator (replaces the old count)."""
    values = {"quantity": quantity, "updated_by": principal.user_id, "updated_at": uow.clock.now()}
    dialect = postgresql if uow.conn.dialect.name == "postgresql" else sqlite
    uow.conn.execute(
        dialect.insert(tables.equipment_stock)
        .values(tenant_id=principal.tenant_id, station=station, item=item, **values)
        .on_conflict_do_update(index_elements=[_es.tenant_id, _es.station, _es.item], set_=values)
    )
    return Stock(station, item, quantity)


def stock_of(uow: UnitOfWork, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[Stock]:
    rows = uow.conn.execute(
        select(_es.station, _es.item, _es.quantity)
        .where(_es.tenant_id == tenant_id)
        .order_by(_es.station, _es.item)
        .limit(limit)
        .offset(offset)
    )
    return [Stock(r.station, r.item, r.quantity) for r in rows]


def issue_equipment(
    uow: UnitOfWork,
    principal: Principal,
    *,
    rider_id: str,
    station: str,
    item: str,
    quantity: int,
    valid_days: int,
) -> Validity:
    """Hand equipment to a rider from a station's stock; refused if the station has too few."""
    now = uow.clock.now()
    taken = uow.conn.execute(
        update(tables.equipment_stock)
        .where(
            _es.tenant_id == principal.tenant_id,
            _es.station == station,
            _es.item == item,
            _es.quantity >= quantity,
        )
        .values(quantity=_es.quantity - quantity, updated_by=principal.user_id, updated_at=now)
    )
    if not taken.rowcount:
        raise Conflict(
            f"station {station!r} has fewer than {quantity} {item!r} in stock",
            code="out_of_stock",
        )
    until = now + timedelta(days=valid_days)
    uow.conn.execute(
        tables.equipment_issues.insert().values(
            id=new_id("eqp"),
            tenant_id=principal.tenant_id,
            rider_id=rider_id,
            station=station,
            item=item,
            quantity=quantity,
            issued_at=now,
            valid_until=until,
            issued_by=principal.user_id,
        )
    )
    return Validity(item, now, until)


def equipment_of(uow: UnitOfWork, rider_id: str) -> list[Validity]:
    rows = uow.conn.execute(
        select(_ei.item, _ei.issued_at, _ei.valid_until)
        .where(_ei.rider_id == rider_id)
        .order_by(_ei.valid_until.desc())
        .limit(100)
    )
    return [Validity(r.item, r.issued_at, r.valid_until) for r in rows]


def riders_with_equipment(uow: UnitOfWork, rider_ids: list[str], now: datetime) -> set[str]:
    """Which of these riders hold equipment valid now (one query for a dispatch cycle)."""
    if not rider_ids:
        return set()
    rows = uow.conn.execute(
        select(_ei.rider_id)
        .where(_ei.rider_id.in_(rider_ids), _ei.issued_at <= now, _ei.valid_until > now)
        .distinct()
    )
    return {str(r) for r in rows.scalars()}
