"""The live part of each page, rendered to HTML from the same services the API calls.

A page is its layout around one region; the region is sent again over server-sent events
whenever it changes (``views.live``), so each function here reads everything it shows in the
caller's unit of work and checks the caller's role and ownership as the API does.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain

from tiffin.anomalies import service as anomalies
from tiffin.anomalies.playbook import Step
from tiffin.care import ledger
from tiffin.care.inbox import messages_for
from tiffin.care.queries import open_calls, policy_for
from tiffin.catalog import service as catalog
from tiffin.console import desk_queries, queries
from tiffin.console.map import HEIGHT, WIDTH, canvas_for, label_rows
from tiffin.console.render import Visitor, render
from tiffin.dispatch.fairness import loads_today
from tiffin.dispatch.suggest import forecast_and_suggest
from tiffin.dispatch.workload_caps import caps_of
from tiffin.domain.geo import LatLon
from tiffin.domain.order_status import TERMINAL, OrderStatus
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, NotFound
from tiffin.incidents import queries as incident_queries
from tiffin.incidents import service as incident_service
from tiffin.incidents.model import Component, Impact, State
from tiffin.incidents.status import review_markdown
from tiffin.ordering import service as ordering
from tiffin.riders import service as riders
from tiffin.store.uow import UnitOfWork
from tiffin.tenancy.service import zones_of

QUEUE_ROWS = 50


def _principal(visitor: Visitor) -> Principal:
    if visitor.principal is None:
        raise Forbidden("log in first", code="login_required")
    return visitor.principal


def operator(uow: UnitOfWork, visitor: Visitor, now: datetime) -> str:
    """The console: KPI strip, live map, dispatch board and exception queue."""
    principal = _principal(visitor)
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only operators use the console", code="operator_only")
    tenant = principal.tenant_id
    day_start = queries.local_midnight(now, visitor.tz)
    state = queries.map_state(uow, tenant, now)
    drawn = chain(
        (p for a in state.zones for p in a.polygon),
        (p for a in state.risk_zones for p in a.polygon),
        (d.at for d in chain(state.merchants, state.riders, state.orders)),
    )
    # Those that need someone (open, escalated; soonest SLA first), then those the playbook
    # handled on its own, which stay until an operator closes them.
    canvas = canvas_for(drawn)
    rider_rows = label_rows([canvas.xy(r.at) for r in state.riders])
    queue = anomalies.queue(uow, principal, status=None)
    curves = desk_queries.day_curves(uow, tenant, day_start, now)
    queue += anomalies.queue(uow, principal, status="handled")[:QUEUE_ROWS]
    return render(
        "_operator.html",
        visitor,
        now=now,
        map=state,
        canvas=canvas,
        rider_rows=rider_rows,
        width=WIDTH,
        height=HEIGHT,
        board=queries.board(uow, tenant, now, day_start),
        kpis=queries.kpis(uow, tenant, day_start),
        notify_p99=desk_queries.notification_delay_p99(uow, tenant, day_start),
        curves=curves,
        spark_orders=desk_queries.sparkline([float(n) for n in curves.orders]),
        spark_on_time=desk_queries.sparkline(curves.on_time),
        budget_used=ledger.budget_used(uow, tenant, now),
        queue=queue[:QUEUE_ROWS],
        queue_total=len(queue),
        steps=list(Step),
    )


def anomaly(uow: UnitOfWork, visitor: Visitor, anomaly_id: str) -> str:
    """One anomaly in full: facts, actions taken, messages sent, grants made, the rating."""
    principal = _principal(visitor)
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only operators use the console", code="operator_only")
    return render("_anomaly.html", visitor, a=anomalies.detail(uow, principal, anomaly_id))


def _operator_only(visitor: Visitor) -> Principal:
    principal = _principal(visitor)
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only operators use the console", code="operator_only")
    return principal


def incidents(uow: UnitOfWork, visitor: Visitor) -> str:
    """The tenant's and the platform's incidents, newest first, with the forms to run them, and
    the figures of the tenant's last drill (``tiffin.resilience.drill_schedule``)."""
    principal = _operator_only(visitor)
    tenant = uow.tenants.get(principal.tenant_id)
    return render(
        "_incidents.html",
        visitor,
        incidents=incident_queries.incidents_seen_by(uow, principal.tenant_id, limit=50),
        drill=queries.last_drill(uow, principal.tenant_id),
        slug=tenant.slug if tenant else "",
        components=[c.value for c in Component],
        impacts=[i.value for i in Impact],
        states=[s.value for s in State],
    )


def incident_review(uow: UnitOfWork, visitor: Visitor, incident_id: str) -> str:
    """The post-incident review (its timeline and make-good totals), as the API renders it."""
    principal = _operator_only(visitor)
    found = incident_service.get(uow, incident_id, tenant_id=principal.tenant_id)
    return render("_review.html", visitor, review=review_markdown(uow, found))


def care_desk(uow: UnitOfWork, visitor: Visitor, now: datetime) -> str:
    """The call list, today's goodwill against the budget, and cost per anomaly type."""
    principal = _operator_only(visitor)
    used = ledger.budget_used(uow, principal.tenant_id, now)
    budget = policy_for(uow, principal.tenant_id).daily_budget_cents
    return render(
        "_care.html",
        visitor,
        calls=open_calls(uow, principal.tenant_id, limit=50),
        budget_used=used,
        budget_left=max(budget - used, 0),
        report=anomalies.care_report(uow, principal)[:100],
    )


def dispatch(uow: UnitOfWork, visitor: Visitor) -> str:
    """What the dispatcher expects (orders per merchant, riders worth moving), each rider's
    load today with the fairness figures, and the caps with their change log."""
    principal = _operator_only(visitor)
    tenant = principal.tenant_id
    sites, moves = forecast_and_suggest(uow, tenant, 30)
    return render(
        "_dispatch.html",
        visitor,
        sites=sites,
        moves=moves,
        riders={r.id: r.name for r in uow.riders.of_tenant(tenant, limit=200, offset=0)},
        merchants={m.id: m.name for m in catalog.list_merchants(uow, principal, limit=200)},
        caps=caps_of(uow, tenant),
        fairness=loads_today(uow, tenant),
        caps_log=desk_queries.caps_log(uow, tenant),
    )


def rider_timeline(uow: UnitOfWork, visitor: Visitor, rider_id: str, now: datetime) -> str:
    """One rider of the operator's tenant: where and in what state, offers and orders today."""
    principal = _operator_only(visitor)
    found = uow.riders.get(rider_id)
    if found is None or found.tenant_id != principal.tenant_id:
        raise NotFound(f"no rider with id {rider_id!r}", resource="rider")
    day = queries.rider_day(uow, found.id, queries.local_midnight(now, visitor.tz))
    return render("_rider_day.html", visitor, rider=found, day=day)


def customer_home(uow: UnitOfWork, visitor: Visitor, now: datetime) -> str:
    """Merchants to order from and the customer's latest orders."""
    principal = _principal(visitor)
    if principal.role is not Role.CUSTOMER:
        raise Forbidden("this page is for customers", code="customer_only")
    merchants = [m for m in catalog.list_merchants(uow, principal, limit=50) if m.is_open]
    orders = ordering.visible_orders(uow, principal, limit=10)
    return render("_customer.html", visitor, merchants=merchants, orders=orders, now=now)


def menu(uow: UnitOfWork, visitor: Visitor, merchant_id: str, *, idempotency_key: str) -> str:
    """One merchant's menu as an order form (an approved, open merchant of the same tenant)."""
    principal = _principal(visitor)
    if principal.role is not Role.CUSTOMER:
        raise Forbidden("this page is for customers", code="customer_only")
    merchant = catalog.merchant_in_tenant(uow, principal, merchant_id)
    items = catalog.menu_of(uow, merchant.id, only_available=True)
    coupons = ledger.wallet(uow, principal.subject_id).coupons if principal.subject_id else []
    return render(
        "_menu.html",
        visitor,
        merchant=merchant,
        items=items,
        coupons=coupons,
        idempotency_key=idempotency_key,
    )


def order(uow: UnitOfWork, visitor: Visitor, order_id: str, now: datetime) -> str:
    """One order, as its customer follows it: status, ETA and why it last changed."""
    principal = _principal(visitor)
    found = ordering.visible_order(uow, principal, order_id)
    merchant = uow.merchants.get(found.merchant_id)
    reasons = [t for t in found.history if t.reason]
    return render(
        "_order.html",
        visitor,
        order=found,
        merchant=merchant,
        reason=reasons[-1].reason if reasons else "",
        # the drop-off code is the customer's to give; the kitchen and the rider never see it
        code=found.dropoff_code if principal.role is Role.CUSTOMER else "",
        finished=found.status in TERMINAL,
        late=found.status not in TERMINAL and now > found.promised_at,
    )


def inbox(uow: UnitOfWork, visitor: Visitor) -> str:
    """The customer's messages: what happened to their orders, and what we did about it."""
    principal = _principal(visitor)
    if principal.role is not Role.CUSTOMER or principal.subject_id is None:
        raise Forbidden("only customers have an inbox", code="customer_only")
    mine = anomalies.anomalies_of_customer(uow, principal)[:20]
    done = queries.rated(uow, [x["id"] for x in mine])
    return render(
        "_inbox.html",
        visitor,
        messages=messages_for(uow, principal.subject_id),
        wallet=ledger.wallet(uow, principal.subject_id),
        to_rate=[x for x in mine if x["id"] not in done][:5],
    )


def merchant(uow: UnitOfWork, visitor: Visitor, now: datetime) -> str:
    """The kitchen's screen: new orders first (highlighted), then those cooking and ready."""
    principal = _principal(visitor)
    own = catalog.own_merchant(uow, principal)
    recent = ordering.visible_orders(uow, principal, limit=50)
    live = [o for o in recent if o.status not in TERMINAL]
    return render(
        "_merchant.html",
        visitor,
        merchant=own,
        incoming=[o for o in live if o.status is OrderStatus.PLACED],
        cooking=[o for o in live if o.status is not OrderStatus.PLACED],
        done=[o for o in recent if o.status in TERMINAL][:10],
        menu=catalog.menu_of(uow, own.id)[:100],
        now=now,
    )


def rider(uow: UnitOfWork, visitor: Visitor, now: datetime) -> str:
    """The rider's phone: shift, the offer on the table, and the orders being carried."""
    principal = _principal(visitor)
    me = riders.own_rider(uow, principal)
    offers = riders.pending_offers(uow, me.id)
    carrying = ordering.visible_orders(uow, principal, limit=20)
    offered = {f.order_id: ordering.visible_order(uow, principal, f.order_id) for f in offers[:5]}
    pickups = {
        o.merchant_id: uow.merchants.get(o.merchant_id) for o in chain(carrying, offered.values())
    }
    return render(
        "_rider.html",
        visitor,
        rider=me,
        offers=offers[:5],
        offered=offered,
        carrying=carrying,
        contactless={
            o.id
            for o in carrying
            if o.status is OrderStatus.PICKED_UP
            and (o.contactless or ordering.in_closed_zone(uow, o))
        },
        pickups=pickups,
        delivered_today=queries.delivered_today(
            uow, me.id, queries.local_midnight(now, visitor.tz)
        ),
        now=now,
    )


def shift_start_point(uow: UnitOfWork, principal: Principal) -> LatLon:
    """Where a shift started from a page begins: the rider's last known position, else the
    middle of the tenant's first zone (a phone's position would come from its location
    reports, ``POST /v1/riders/me/location``)."""
    me = riders.own_rider(uow, principal)
    if me.location is not None:
        return me.location
    zones = zones_of(uow, principal.tenant_id)
    if not zones:
        raise Forbidden("this tenant serves no zone yet", code="no_zone")
    corners = zones[0].polygon
    return LatLon(
        sum(p.lat for p in corners) / len(corners), sum(p.lon for p in corners) / len(corners)
    )
