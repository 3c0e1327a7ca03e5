"""Regions of the role pages that are not the landing screens: a kitchen's menu editor, a
rider's day (earnings and load) and a rider's insurance claims and support requests.

Each reads through the same services as the API and keeps to the caller's own records: the
menu is the merchant's own, the claims and requests the rider's own (``own_merchant``,
``own_rider``), so another account gets 403 (wrong role) or 404 (not theirs).
"""

from __future__ import annotations

from tiffin.care import ledger
from tiffin.catalog import service as catalog
from tiffin.console.render import Visitor, render
from tiffin.dispatch.fairness import RiderLoad, loads_today
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden
from tiffin.riders import service as riders
from tiffin.safety.aid import claims, support
from tiffin.safety.aid.model import ClaimKind, SupportKind
from tiffin.store.uow import UnitOfWork

ROWS = 50


def _principal(visitor: Visitor) -> Principal:
    if visitor.principal is None:
        raise Forbidden("log in first", code="login_required")
    return visitor.principal


def menu_editor(uow: UnitOfWork, visitor: Visitor) -> str:
    """Every dish of the kitchen's own menu as a form (name, price, on sale), a form for a new
    dish, and the kitchen's preparation time (raise it when the kitchen runs behind)."""
    own = catalog.own_merchant(uow, _principal(visitor))
    return render(
        "_menu_editor.html", visitor, merchant=own, menu=catalog.menu_of(uow, own.id)[:100]
    )


def rider_today(uow: UnitOfWork, visitor: Visitor) -> str:
    """The rider's own load and earnings today, from the pay model the dispatch board uses
    (``tiffin.dispatch.fairness``: delivery fees of the orders delivered, accepted moves,
    payouts for orders taken away), so rider and operator read the same figures."""
    me = riders.own_rider(uow, _principal(visitor))
    mine = next(
        (x for x in loads_today(uow, me.tenant_id).riders if x.rider_id == me.id),
        RiderLoad(me.id, me.name, 0, 0.0, 0.0, 0),
    )
    return render("_rider_today.html", visitor, rider=me, load=mine)


def rider_aid(uow: UnitOfWork, visitor: Visitor, *, claim_key: str) -> str:
    """The rider's own insurance claims and support requests (newest first, with their steps)
    and the forms to file a new one."""
    me = riders.own_rider(uow, _principal(visitor))
    return render(
        "_rider_aid.html",
        visitor,
        claims=claims.claims(uow, me.tenant_id, rider_id=me.id, limit=ROWS),
        requests=support.requests(uow, me.tenant_id, rider_id=me.id, limit=ROWS),
        claim_kinds=[k.value for k in ClaimKind],
        support_kinds=[k.value for k in SupportKind],
        claim_key=claim_key,
    )


def wallet(uow: UnitOfWork, visitor: Visitor) -> str:
    """The customer's own wallet, as GET /v1/me/wallet reads it: credit, refunds, the live
    coupons (spent from the menu's order form) and every grant with its reason."""
    principal = _principal(visitor)
    if principal.role is not Role.CUSTOMER or principal.subject_id is None:
        raise Forbidden("only customers have a wallet", code="customer_only")
    return render("_wallet.html", visitor, wallet=ledger.wallet(uow, principal.subject_id))
