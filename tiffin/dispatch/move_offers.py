"""Sending the forecast's suggested moves (``suggest``) to idle riders as move offers
(``moves``): kept apart so the live dispatcher can read moves without the forecaster."""

from __future__ import annotations

from datetime import timedelta

from tiffin.dispatch.moves import ANSWER_MINUTES, PENDING, MoveOffer, expire, live, pay_of
from tiffin.dispatch.suggest import forecast_and_suggest
from tiffin.domain.ids import new_id
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork


def offer_moves(uow: UnitOfWork, tenant_id: str, horizon_minutes: int = 30) -> list[MoveOffer]:
    """Turn the forecast's suggested moves into offers for idle riders who have none open."""
    now = uow.clock.now()
    expire(uow, tenant_id, now)
    taken = {o.rider_id for o in live(uow, tenant_id, now)}
    sites, moves = forecast_and_suggest(uow, tenant_id, horizon_minutes)
    by_site = {s.merchant_id: s for s in sites}
    merchants = {m.id: m for m in uow.merchants.find(tables.merchants.c.tenant_id == tenant_id)}
    pay = pay_of(uow, tenant_id)
    made = []
    for move in moves:
        if move.rider_id in taken:
            continue
        site, merchant = by_site[move.merchant_id], merchants[move.merchant_id]
        why = (
            f"{site.expected_orders:.1f} orders expected at {site.name} in the next "
            f"{horizon_minutes} minutes; {site.riders_near} rider(s) there now"
        )
        offer = MoveOffer(
            new_id("mov"),
            move.rider_id,
            move.merchant_id,
            merchant.location,
            why[:300],
            move.ride_minutes,
            pay.wait_minutes,
            pay.pay_cents,
            PENDING,
            None,
            now,
            now + timedelta(minutes=ANSWER_MINUTES),
            None,
        )
        uow.conn.execute(
            tables.move_offers.insert().values(
                id=offer.id,
                tenant_id=tenant_id,
                rider_id=offer.rider_id,
                merchant_id=offer.merchant_id,
                lat=offer.to.lat,
                lon=offer.to.lon,
                why=offer.why,
                ride_minutes=offer.ride_minutes,
                wait_minutes=offer.wait_minutes,
                pay_cents=offer.pay_cents,
                status=PENDING,
                created_at=now,
                expires_at=offer.expires_at,
            )
        )
        made.append(offer)
    return made
