"""Insurance claims: a rider files one against the policy that covered them when it happened;
the tenant's operators review, decide and record the payment. A rider reads only their own
claims, an operator only their tenant's; anything else is not found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.safety.aid import cases
from tiffin.safety.aid.model import AidRefused, Claim, ClaimKind, ClaimStatus, Step
from tiffin.safety.health import own_rider
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_c, _p = tables.insurance_claims.c, tables.insurance_policies.c


def file_claim(
    uow: UnitOfWork,
    principal: Principal,
    *,
    kind: ClaimKind,
    incident_at: datetime,
    description: str,
    claimed_cents: int,
) -> Claim:
    """The calling rider files a claim; refused without a policy of theirs valid at
    ``incident_at`` (409 ``no_valid_policy``)."""
    rider = own_rider(uow, principal)
    now = uow.clock.now()
    if incident_at > now:
        raise Invalid("an incident cannot lie in the future", code="bad_claim")
    policy = uow.conn.execute(
        select(_p.id, _p.insurer, _p.policy_number)
        .where(_p.rider_id == rider.id, _p.valid_from <= incident_at, _p.valid_until > incident_at)
        .order_by(_p.valid_until.desc())
        .limit(1)
    ).first()
    if policy is None:
        raise Conflict(
            f"no insurance policy of yours was valid at {incident_at.isoformat()}; ask your "
            "station manager which policy covers you",
            code="no_valid_policy",
        )
    step = Step(ClaimStatus.FILED.value, principal.actor, now, "")
    claim = Claim(
        id=new_id("clm"),
        tenant_id=rider.tenant_id,
        rider_id=rider.id,
        policy_id=policy.id,
        policy=f"{policy.insurer} {policy.policy_number}",
        kind=kind,
        incident_at=incident_at,
        description=description,
        claimed_cents=claimed_cents,
        status=ClaimStatus.FILED,
        filed_at=now,
        updated_at=now,
        steps=[step],
    )
    uow.conn.execute(
        insert(tables.insurance_claims).values(
            id=claim.id,
            tenant_id=claim.tenant_id,
            rider_id=claim.rider_id,
            policy_id=claim.policy_id,
            kind=kind.value,
            incident_at=incident_at,
            description=description,
            claimed_cents=claimed_cents,
            paid_cents=None,
            status=claim.status.value,
            filed_at=now,
            updated_at=now,
        )
    )
    cases.add_step(uow, claim.id, 0, step)
    return claim


def claims(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    rider_id: str | None = None,
    status: ClaimStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Claim]:
    """The tenant's claims (or one rider's), newest first."""
    where = [_c.tenant_id == tenant_id]
    if rider_id is not None:
        where.append(_c.rider_id == rider_id)
    if status is not None:
        where.append(_c.status == status.value)
    return _load(uow, where, limit=limit, offset=offset)


def rider_claim(uow: UnitOfWork, principal: Principal, claim_id: str) -> Claim:
    """One of the calling rider's own claims."""
    rider = own_rider(uow, principal)
    return _one(uow, [_c.id == claim_id, _c.rider_id == rider.id], claim_id)


def tenant_claim(
    uow: UnitOfWork, principal: Principal, claim_id: str, *, for_update: bool = False
) -> Claim:
    """One claim of the operator's tenant."""
    where = [_c.id == claim_id, _c.tenant_id == principal.tenant_id]
    return _one(uow, where, claim_id, for_update=for_update)


def advance_claim(
    uow: UnitOfWork,
    principal: Principal,
    claim_id: str,
    *,
    to: ClaimStatus,
    note: str,
    paid_cents: int | None = None,
) -> Claim:
    """An operator takes the claim's next step (review, approve, reject, pay)."""
    claim = tenant_claim(uow, principal, claim_id, for_update=True)
    was = claim.status
    try:
        step = claim.advance(
            to, actor=principal.actor, at=uow.clock.now(), note=note, paid_cents=paid_cents
        )
    except AidRefused as exc:
        raise Conflict(exc.detail, code=exc.code) from None
    values = {"status": to.value, "paid_cents": claim.paid_cents, "updated_at": step.at}
    cases.move_on(uow, tables.insurance_claims, claim.id, was.value, values)
    cases.add_step(uow, claim.id, len(claim.steps) - 1, step)
    return claim


def _one(uow: UnitOfWork, where: list[Any], claim_id: str, *, for_update: bool = False) -> Claim:
    found = _load(uow, where, limit=1, offset=0, for_update=for_update)
    if not found:
        raise NotFound(f"no claim with id {claim_id!r}", resource="claim")
    return found[0]


def _load(
    uow: UnitOfWork, where: list[Any], *, limit: int, offset: int, for_update: bool = False
) -> list[Claim]:
    query = (
        select(tables.insurance_claims, _p.insurer, _p.policy_number)
        .join(tables.insurance_policies, _p.id == _c.policy_id)
        .where(*where)
        .order_by(_c.filed_at.desc(), _c.id)
        .limit(limit)
        .offset(offset)
    )
    if for_update:
        query = query.with_for_update(of=tables.insurance_claims)
    rows = list(uow.conn.execute(query).mappings())
    steps = cases.steps_of(uow, [r["id"] for r in rows])
    return [
        Claim(
            id=r["id"],
            tenant_id=r["tenant_id"],
            rider_id=r["rider_id"],
            policy_id=r["policy_id"],
            policy=f"{r['insurer']} {r['policy_number']}",
            kind=ClaimKind(r["kind"]),
            incident_at=r["incident_at"],
            description=r["description"],
            claimed_cents=r["claimed_cents"],
            status=ClaimStatus(r["status"]),
            filed_at=r["filed_at"],
            updated_at=r["updated_at"],
            paid_cents=r["paid_cents"],
            steps=steps.get(r["id"], []),
        )
        for r in rows
    ]
