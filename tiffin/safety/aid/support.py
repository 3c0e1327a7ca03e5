"""Counselling and support requests: a rider asks (urgent ones first in the operators' list);
an operator assigns the request to themselves or a colleague of the tenant and closes it with
what was done. A rider reads only their own requests, an operator only their tenant's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.safety.aid import cases
from tiffin.safety.aid.model import AidRefused, Step, SupportKind, SupportRequest, SupportStatus
from tiffin.safety.health import own_rider
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_r, _u = tables.support_requests.c, tables.users.c


def request_support(
    uow: UnitOfWork, principal: Principal, *, kind: SupportKind, urgent: bool, description: str
) -> SupportRequest:
    """The calling rider asks for counselling or other support."""
    rider = own_rider(uow, principal)
    now = uow.clock.now()
    step = Step(SupportStatus.OPEN.value, principal.actor, now, "")
    request = SupportRequest(
        id=new_id("sup"),
        tenant_id=rider.tenant_id,
        rider_id=rider.id,
        kind=kind,
        urgent=urgent,
        description=description,
        status=SupportStatus.OPEN,
        filed_at=now,
        updated_at=now,
        steps=[step],
    )
    uow.conn.execute(
        insert(tables.support_requests).values(
            id=request.id,
            tenant_id=request.tenant_id,
            rider_id=request.rider_id,
            kind=kind.value,
            urgent=urgent,
            description=description,
            status=request.status.value,
            assigned_to=None,
            filed_at=now,
            updated_at=now,
        )
    )
    cases.add_step(uow, request.id, 0, step)
    return request


def requests(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    rider_id: str | None = None,
    status: SupportStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[SupportRequest]:
    """The tenant's requests (or one rider's): urgent first, then newest first."""
    where = [_r.tenant_id == tenant_id]
    if rider_id is not None:
        where.append(_r.rider_id == rider_id)
    if status is not None:
        where.append(_r.status == status.value)
    return _load(uow, where, limit=limit, offset=offset)


def rider_request(uow: UnitOfWork, principal: Principal, request_id: str) -> SupportRequest:
    """One of the calling rider's own requests."""
    rider = own_rider(uow, principal)
    return _one(uow, [_r.id == request_id, _r.rider_id == rider.id], request_id)


def tenant_request(
    uow: UnitOfWork, principal: Principal, request_id: str, *, for_update: bool = False
) -> SupportRequest:
    """One request of the operator's tenant."""
    where = [_r.id == request_id, _r.tenant_id == principal.tenant_id]
    return _one(uow, where, request_id, for_update=for_update)


def assign(
    uow: UnitOfWork, principal: Principal, request_id: str, *, to: str | None, note: str
) -> SupportRequest:
    """Give the request to an operator of the tenant (the caller when ``to`` is None)."""
    assignee = to or principal.user_id
    found = uow.conn.execute(
        select(_u.id).where(
            _u.id == assignee,
            _u.tenant_id == principal.tenant_id,
            _u.role == Role.OPERATOR.value,
        )
    ).first()
    if found is None:
        raise Invalid(f"no operator with id {assignee!r} here", code="unknown_operator")
    return _advance(uow, principal, request_id, SupportStatus.ASSIGNED, note, assignee)


def close(uow: UnitOfWork, principal: Principal, request_id: str, *, note: str) -> SupportRequest:
    """Close the request, saying what was done."""
    return _advance(uow, principal, request_id, SupportStatus.CLOSED, note, None)


def _advance(
    uow: UnitOfWork,
    principal: Principal,
    request_id: str,
    to: SupportStatus,
    note: str,
    assignee: str | None,
) -> SupportRequest:
    request = tenant_request(uow, principal, request_id, for_update=True)
    was = request.status
    try:
        step = request.advance(
            to, actor=principal.actor, at=uow.clock.now(), note=note, assignee=assignee
        )
    except AidRefused as exc:
        raise Conflict(exc.detail, code=exc.code) from None
    values = {"status": to.value, "assigned_to": request.assigned_to, "updated_at": step.at}
    cases.move_on(uow, tables.support_requests, request.id, was.value, values)
    cases.add_step(uow, request.id, len(request.steps) - 1, step)
    return request


def _one(
    uow: UnitOfWork, where: list[Any], request_id: str, *, for_update: bool = False
) -> SupportRequest:
    found = _load(uow, where, limit=1, offset=0, for_update=for_update)
    if not found:
        raise NotFound(f"no support request with id {request_id!r}", resource="support_request")
    return found[0]


def _load(
    uow: UnitOfWork, where: list[Any], *, limit: int, offset: int, for_update: bool = False
) -> list[SupportRequest]:
    query = (
        select(tables.support_requests)
        .where(*where)
        .order_by(_r.urgent.desc(), _r.filed_at.desc(), _r.id)
        .limit(limit)
        .offset(offset)
    )
    if for_update:
        query = query.with_for_update()
    rows = list(uow.conn.execute(query).mappings())
    steps = cases.steps_of(uow, [r["id"] for r in rows])
    return [
        SupportRequest(
            id=r["id"],
            tenant_id=r["tenant_id"],
            rider_id=r["rider_id"],
            kind=SupportKind(r["kind"]),
            urgent=bool(r["urgent"]),
            description=r["description"],
            status=SupportStatus(r["status"]),
            filed_at=r["filed_at"],
            updated_at=r["updated_at"],
            assigned_to=r["assigned_to"],
            steps=steps.get(r["id"], []),
        )
        for r in rows
    ]
