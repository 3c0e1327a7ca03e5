"""Explicit row <-> domain conversions, so the domain never imports SQLAlchemy."""

from __future__ import annotations

from typing import Any

from tiffin.domain.events import Actor
from tiffin.domain.geo import LatLon
from tiffin.domain.handover import Handover
from tiffin.domain.order import Action, Order, OrderLine, OrderStatus, Transition
from tiffin.domain.people import (
    Customer,
    MenuItem,
    Merchant,
    Offer,
    OfferStatus,
    Rider,
    RiderShift,
    Tenant,
    VehicleType,
    Zone,
    phone_key,
)
from tiffin.domain.zones import RiskLevel, RiskZone

Row = dict[str, Any]


def tenant_row(t: Tenant) -> Row:
    return {
        "id": t.id,
        "slug": t.slug,
        "name": t.name,
        "delivery_fee_cents": t.delivery_fee_cents,
        "rider_speed_m_per_min": t.rider_speed_m_per_min,
        "promise_buffer_minutes": t.promise_buffer_minutes,
        "time_zone": t.time_zone,
        "promise_extra_minutes": t.promise_extra_minutes,
        "promise_extra_until": t.promise_extra_until,
    }


def tenant_from(r: Row) -> Tenant:
    return Tenant(**r)


def zone_row(z: Zone) -> Row:
    return {
        "id": z.id,
        "tenant_id": z.tenant_id,
        "name": z.name,
        "polygon": [[p.lat, p.lon] for p in z.polygon],
        "orders_paused_until": z.orders_paused_until,
    }


def zone_from(r: Row) -> Zone:
    polygon = tuple(LatLon(lat, lon) for lat, lon in r["polygon"])
    return Zone(
        id=r["id"],
        tenant_id=r["tenant_id"],
        name=r["name"],
        polygon=polygon,
        orders_paused_until=r.get("orders_paused_until"),
    )


def merchant_row(m: Merchant) -> Row:
    return {
        "id": m.id,
        "tenant_id": m.tenant_id,
        "name": m.name,
        "lat": m.location.lat,
        "lon": m.location.lon,
        "prep_minutes": m.prep_minutes,
        "is_open": m.is_open,
    }


def merchant_from(r: Row) -> Merchant:
    return Merchant(
        id=r["id"],
        tenant_id=r["tenant_id"],
        name=r["name"],
        location=LatLon(r["lat"], r["lon"]),
        prep_minutes=r["prep_minutes"],
        is_open=r["is_open"],
    )


def menu_item_row(i: MenuItem) -> Row:
    return {
        "id": i.id,
        "merchant_id": i.merchant_id,
        "name": i.name,
        "price_cents": i.price_cents,
        "available": i.available,
    }


def menu_item_from(r: Row) -> MenuItem:
    return MenuItem(**r)


def customer_row(c: Customer) -> Row:
    return {
        "id": c.id,
        "tenant_id": c.tenant_id,
        "name": c.name,
        "lat": c.address.lat,
        "lon": c.address.lon,
        "address_note": c.address_note,
        "language": c.language,
        "phone": c.phone,
        "phone_key": phone_key(c.phone),
        "contact_channel": c.contact_channel,
    }


def customer_from(r: Row) -> Customer:
    return Customer(
        id=r["id"],
        tenant_id=r["tenant_id"],
        name=r["name"],
        address=LatLon(r["lat"], r["lon"]),
        address_note=r["address_note"],
        language=r["language"],
        phone=r["phone"],
        contact_channel=r["contact_channel"],
    )


def rider_row(x: Rider) -> Row:
    return {
        "id": x.id,
        "tenant_id": x.tenant_id,
        "name": x.name,
        "vehicle": x.vehicle.value,
        "lat": x.location.lat if x.location else None,
        "lon": x.location.lon if x.location else None,
        "location_at": x.location_at,
        "moved_at": x.moved_at,
        "shift_started_at": x.shift_started_at,
    }


def rider_from(r: Row) -> Rider:
    location = LatLon(r["lat"], r["lon"]) if r["lat"] is not None else None
    return Rider(
        id=r["id"],
        tenant_id=r["tenant_id"],
        name=r["name"],
        vehicle=VehicleType(r["vehicle"]),
        location=location,
        location_at=r["location_at"],
        moved_at=r["moved_at"],
        shift_started_at=r["shift_started_at"],
    )


def shift_row(s: RiderShift) -> Row:
    return {
        "id": s.id,
        "rider_id": s.rider_id,
        "tenant_id": s.tenant_id,
        "started_at": s.started_at,
        "ended_at": s.ended_at,
    }


def shift_from(r: Row) -> RiderShift:
    return RiderShift(**r)


def offer_row(o: Offer) -> Row:
    return {
        "id": o.id,
        "tenant_id": o.tenant_id,
        "order_id": o.order_id,
        "rider_id": o.rider_id,
        "created_at": o.created_at,
        "expires_at": o.expires_at,
        "status": o.status.value,
        "reason": o.reason,
        "answered_at": o.answered_at,
        "score": o.score,
        "explanation": o.explanation,
    }


def offer_from(r: Row) -> Offer:
    return Offer(**{**r, "status": OfferStatus(r["status"])})


def order_row(o: Order, version: int) -> Row:
    return {
        "id": o.id,
        "tenant_id": o.tenant_id,
        "customer_id": o.customer_id,
        "merchant_id": o.merchant_id,
        "rider_id": o.rider_id,
        "status": o.status.value,
        "dropoff_lat": o.dropoff.lat,
        "dropoff_lon": o.dropoff.lon,
        "dropoff_note": o.dropoff_note,
        "delivery_fee_cents": o.delivery_fee_cents,
        "items_cents": o.items_cents,
        "discount_cents": o.discount_cents,
        "contactless": o.contactless,
        "dropoff_code": o.dropoff_code,
        "handover": o.handover.value if o.handover else None,
        "handover_photo_ref": o.handover_photo_ref,
        "placed_at": o.placed_at,
        "promised_at": o.promised_at,
        "ready_at": o.ready_at,
        "picked_up_at": o.picked_up_at,
        "finished_at": o.finished_at,
        "version": version,
    }


def line_row(order_id: str, line_no: int, line: OrderLine) -> Row:
    return {
        "order_id": order_id,
        "line_no": line_no,
        "item_id": line.item_id,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price_cents": line.unit_price_cents,
    }


def transition_row(order_id: str, seq: int, t: Transition) -> Row:
    return {
        "order_id": order_id,
        "seq": seq,
        "action": t.action.value,
        "from_status": t.from_status.value,
        "to_status": t.to_status.value,
        "actor_role": t.actor.role,
        "actor_id": t.actor.id,
        "reason": t.reason,
        "at": t.at,
    }


def order_from(r: Row, lines: list[Row], transitions: list[Row]) -> Order:
    return Order(
        id=r["id"],
        tenant_id=r["tenant_id"],
        customer_id=r["customer_id"],
        merchant_id=r["merchant_id"],
        lines=[
            OrderLine(x["item_id"], x["name"], x["quantity"], x["unit_price_cents"])
            for x in sorted(lines, key=lambda x: x["line_no"])
        ],
        dropoff=LatLon(r["dropoff_lat"], r["dropoff_lon"]),
        dropoff_note=r["dropoff_note"],
        delivery_fee_cents=r["delivery_fee_cents"],
        discount_cents=r["discount_cents"],
        contactless=bool(r["contactless"]),
        dropoff_code=r["dropoff_code"],
        handover=Handover(r["handover"]) if r["handover"] else None,
        handover_photo_ref=r["handover_photo_ref"],
        placed_at=r["placed_at"],
        promised_at=r["promised_at"],
        status=OrderStatus(r["status"]),
        rider_id=r["rider_id"],
        ready_at=r["ready_at"],
        picked_up_at=r["picked_up_at"],
        finished_at=r["finished_at"],
        history=[
            Transition(
                Action(t["action"]),
                OrderStatus(t["from_status"]),
                OrderStatus(t["to_status"]),
                Actor(t["actor_role"], t["actor_id"]),
                t["reason"],
                t["at"],
            )
            for t in sorted(transitions, key=lambda t: t["seq"])
        ],
    )


def risk_zone_row(z: RiskZone) -> Row:
    return {
        "id": z.id,
        "tenant_id": z.tenant_id,
        "name": z.name,
        "polygon": [[p.lat, p.lon] for p in z.polygon],
        "handoff_lat": z.handoff.lat,
        "handoff_lon": z.handoff.lon,
        "closed_from": z.closed_from,
        "closed_until": z.closed_until,
        "reason": z.reason,
        "created_by": z.created_by,
        "created_at": z.created_at,
        "level": z.level.value,
    }


def risk_zone_from(r: Row) -> RiskZone:
    return RiskZone(
        id=r["id"],
        tenant_id=r["tenant_id"],
        name=r["name"],
        polygon=tuple(LatLon(lat, lon) for lat, lon in r["polygon"]),
        handoff=LatLon(r["handoff_lat"], r["handoff_lon"]),
        closed_from=r["closed_from"],
        closed_until=r["closed_until"],
        reason=r["reason"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        level=RiskLevel(r["level"]),
    )
