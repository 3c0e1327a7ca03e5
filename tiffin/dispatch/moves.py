"""Live repositioning: the forecast's suggested moves sent to idle riders as move offers.

A move offer says where to wait, why (the orders expected there and the riders already near),
for how long, and what it pays (the tenant's ``move_pay``). A rider accepts or declines with a
reason; an offer not answered within ``ANSWER_MINUTES`` lapses. While a rider is on an accepted
move, the live dispatcher counts them as arriving at the hot spot when the ride is done (see
``heading``), as the simulator does. Pay is recorded on the offer when it is made, so the rider
sees the amount they accept and a retried accept cannot change or repeat it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tiffin.domain.geo import LatLon
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.riders.service import own_rider
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

ANSWER_MINUTES = 3
PENDING, ACCEPTED, DECLINED, EXPIRED = "pending", "accepted", "declined", "expired"
_o = tables.move_offers.c
_p = tables.move_pay.c


@dataclass(frozen=True)
class MovePay:
    """What the tenant pays for a move, how long it asks the rider to wait there, and what it
    pays a rider an order is taken from for a slipping ETA."""

    pay_cents: int = 300
    wait_minutes: int = 20
    slip_pay_cents: int = 200  # to a rider an order is taken from for a slipping ETA


@dataclass(frozen=True)
class MoveOffer:
    id: str
    rider_id: str
    merchant_id: str
    to: LatLon
    why: str
    ride_minutes: int
    wait_minutes: int
    pay_cents: int
    status: str
    decline_reason: str | None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None


def pay_of(uow: UnitOfWork, tenant_id: str) -> MovePay:
    row = uow.conn.execute(
        select(_p.pay_cents, _p.wait_minutes, _p.slip_pay_cents).where(_p.tenant_id == tenant_id)
    ).first()
    if row is None:
        return MovePay()
    return MovePay(row.pay_cents, row.wait_minutes, row.slip_pay_cents)


def set_pay(uow: UnitOfWork, principal: Principal, pay: MovePay) -> None:
    """The operator's tenant pays this for each move from the next offer on."""
    values = {
        "pay_cents": pay.pay_cents,
        "wait_minutes": pay.wait_minutes,
        "slip_pay_cents": pay.slip_pay_cents,
        "updated_by": principal.user_id,
        "updated_at": uow.clock.now(),
    }
    dialect = postgresql if uow.conn.dialect.name == "postgresql" else sqlite
    uow.conn.execute(
        dialect.insert(tables.move_pay)
        .values(tenant_id=principal.tenant_id, **values)
        .on_conflict_do_update(index_elements=[_p.tenant_id], set_=values)
    )


def _offer(r: Row[Any]) -> MoveOffer:
    return MoveOffer(
        r.id,
        r.rider_id,
        r.merchant_id,
        LatLon(r.lat, r.lon),
        r.why,
        r.ride_minutes,
        r.wait_minutes,
        r.pay_cents,
        r.status,
        r.decline_reason,
        r.created_at,
        r.expires_at,
        r.answered_at,
    )


def expire(uow: UnitOfWork, tenant_id: str, now: datetime) -> None:
    uow.conn.execute(
        update(tables.move_offers)
        .where(_o.tenant_id == tenant_id, _o.status == PENDING, _o.expires_at <= now)
        .values(status=EXPIRED)
    )


def live(uow: UnitOfWork, tenant_id: str, now: datetime) -> list[MoveOffer]:
    """Pending offers, and accepted moves whose ride and wait are not over."""
    rows = uow.conn.execute(
        select(tables.move_offers).where(
            _o.tenant_id == tenant_id, _o.status.in_((PENDING, ACCEPTED))
        )
    ).all()
    offers = [_offer(r) for r in rows]
    return [o for o in offers if o.status == PENDING or not _over(o, now)]


def _over(o: MoveOffer, now: datetime) -> bool:
    start = o.answered_at or o.created_at
    return now >= start + timedelta(minutes=o.ride_minutes + o.wait_minutes)


def tenant_offers(uow: UnitOfWork, tenant_id: str, limit: int, offset: int) -> list[MoveOffer]:
    rows = uow.conn.execute(
        select(tables.move_offers)
        .where(_o.tenant_id == tenant_id)
        .order_by(_o.created_at.desc(), _o.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [_offer(r) for r in rows]


def my_moves(uow: UnitOfWork, principal: Principal) -> list[MoveOffer]:
    """The rider's open offers and the move they are on."""
    rider = own_rider(uow, principal)
    now = uow.clock.now()
    return [
        o
        for o in live(uow, rider.tenant_id, now)
        if o.rider_id == rider.id and (o.status == ACCEPTED or o.expires_at > now)
    ]


def _own_pending(uow: UnitOfWork, principal: Principal, move_id: str) -> MoveOffer:
    rider = own_rider(uow, principal)
    row = uow.conn.execute(
        select(tables.move_offers).where(
            _o.id == move_id, _o.rider_id == rider.id, _o.tenant_id == rider.tenant_id
        )
    ).first()
    if row is None:
        raise NotFound("no such move offer", code="move_not_found")
    offer = _offer(row)
    if offer.status != PENDING:
        raise Conflict(f"this move offer is {offer.status} already", code="move_answered")
    if offer.expires_at <= uow.clock.now():
        raise Conflict("this move offer has lapsed", code="move_expired")
    return offer


def accept_move(uow: UnitOfWork, principal: Principal, move_id: str) -> MoveOffer:
    """The rider heads for the hot spot; the dispatcher counts them there when they arrive."""
    offer = _own_pending(uow, principal, move_id)
    now = uow.clock.now()
    uow.conn.execute(
        update(tables.move_offers)
        .where(_o.id == offer.id, _o.status == PENDING)
        .values(status=ACCEPTED, answered_at=now)
    )
    return MoveOffer(**(offer.__dict__ | {"status": ACCEPTED, "answered_at": now}))


def decline_move(uow: UnitOfWork, principal: Principal, move_id: str, reason: str) -> MoveOffer:
    """The rider stays where they are, saying why (kept with the offer)."""
    if not reason.strip():
        raise Invalid("say why you decline", code="reason_required")
    offer = _own_pending(uow, principal, move_id)
    now = uow.clock.now()
    uow.conn.execute(
        update(tables.move_offers)
        .where(_o.id == offer.id, _o.status == PENDING)
        .values(status=DECLINED, answered_at=now, decline_reason=reason)
    )
    return MoveOffer(
        **(offer.__dict__ | {"status": DECLINED, "answered_at": now, "decline_reason": reason})
    )


def heading(uow: UnitOfWork, tenant_id: str, now: datetime) -> dict[str, tuple[LatLon, datetime]]:
    """Riders on an accepted move: where they are going and when they get there."""
    return {
        o.rider_id: (o.to, (o.answered_at or now) + timedelta(minutes=o.ride_minutes))
        for o in live(uow, tenant_id, now)
        if o.status == ACCEPTED
    }
