"""Features from the database: what the customer (and their device, phone, card, door and
riders) did over the last hour, day and 30 days, and what a rider handing an order back did.

A decision reads only the features its rules name (``needs``), all of them in one round trip
(``feature_sql.statement``); features no rule names are not read and not recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tiffin.domain.geo import LatLon
from tiffin.risk import feature_sql
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

# Bound for a missing input (no device, no card, no order): matches no row. Not NULL: knowing a
# parameter is NULL, PostgreSQL finds a plan for it that costs nothing and so never settles on
# one generic plan for the statement, planning it afresh (~2 ms) on every decision.
NOTHING = ""
UNKNOWN_MINUTES = 525_600  # "when was it assigned" unknown reads as a year: never "just now"


@dataclass(frozen=True)
class Subject:
    """Who and what a checkpoint asks about."""

    tenant_id: str
    customer_id: str
    order_id: str | None = None
    device_id: str | None = None
    order_total_cents: int = 0
    claim_cents: int = 0
    counts_this_claim: bool = False  # at the claim checkpoint the claim is not yet recorded
    instrument: str | None = None  # the card given at checkout (else the order's, if paid)
    rider_id: str | None = None  # the rider handing the order back
    counts_this_handback: bool = False  # at the hand-back checkpoint it is not yet recorded
    dropoff: LatLon | None = None  # where the order placed goes (checkout only)


# Which part of ``feature_sql.PARTS`` each feature comes from; those in none are the subject's
# own (amounts) or a hot counter.
PART_OF: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("orders_1h", "orders_24h", "orders_30d", "delivered_30d"), ("orders",)),
    **dict.fromkeys(("claims_1h", "claims_24h", "claims_30d"), ("claims",)),
    "claims_per_delivered_30d": ("orders", "claims"),
    **dict.fromkeys(("grants_24h", "grants_30d", "granted_cents_30d"), ("grants",)),
    **dict.fromkeys(("coupon_uses_24h", "coupon_uses_30d"), ("coupons",)),
    **dict.fromkeys(("account_age_days", "new_account"), ("born",)),
    "accounts_on_address": ("address",),
    "rider_pair_claims_30d": ("pair",),
    **dict.fromkeys(("accounts_on_device", "device_claims_30d"), ("device",)),
    **dict.fromkeys(("accounts_on_phone", "phone_claims_30d"), ("phone",)),
    **dict.fromkeys(
        (
            "instrument_orders_1h",
            "instrument_orders_24h",
            "instrument_orders_30d",
            "instrument_claims_30d",
            "instrument_refunds_30d",
            "accounts_on_instrument",
        ),
        ("instrument",),
    ),
    **dict.fromkeys(
        (
            "rider_handbacks_24h",
            "rider_handbacks_30d",
            "rider_assignments_24h",
            "rider_assignments_30d",
            "rider_handback_rate_30d",
            "minutes_since_assigned",
        ),
        ("rider",),
    ),
}


def remember_device(uow: UnitOfWork, tenant_id: str, device_id: str, customer_id: str) -> None:
    """Note that ``customer_id`` was seen on ``device_id`` (once per pair)."""
    insert_ignore(
        uow.conn,
        tables.risk_devices,
        {
            "tenant_id": tenant_id,
            "device_id": device_id,
            "customer_id": customer_id,
            "first_seen_at": uow.clock.now(),
        },
    )


def remember_payment(uow: UnitOfWork, subject: Subject) -> None:
    """Note which instrument paid for the subject's order, written with the order (staged: on
    PostgreSQL it joins the order's own single statement at commit)."""
    if subject.instrument is None or subject.order_id is None:
        return
    row = {
        "order_id": subject.order_id,
        "tenant_id": subject.tenant_id,
        "customer_id": subject.customer_id,
        "instrument": subject.instrument,
        "placed_at": uow.clock.now(),
    }
    uow.stage(tables.order_payments, [row])


def parts_for(names: Iterable[str]) -> frozenset[str]:
    """The parts to read for ``names``. A subject lacking an input (no device, no order) binds
    ``NOTHING``: the statement's shape follows the rules alone, so each rule set's statements
    are compiled once (``service.warm``), not once per kind of request."""
    return frozenset(part for name in names for part in PART_OF.get(name, ()))


def read(
    uow: UnitOfWork, subject: Subject, needs: Iterable[str] | None = None
) -> dict[str, float | bool]:
    """The features named in ``needs`` (every one in ``PART_OF`` when None) for ``subject`` at
    the clock's now, in one statement; a feature whose input the subject lacks (no device, no
    order) reads as nobody's: 0, or 1 account at the door."""
    return _read(uow, subject, set(PART_OF) if needs is None else set(needs), stamped=False)[0]


@dataclass(frozen=True)
class Stamp:
    """What the tenant's rules were when the features were read (``service.assess``)."""

    rules: tuple[object, ...]  # (rows, newest): changes whenever a rule version is saved
    thresholds: tuple[int, ...] | None  # review, block, grant threshold, hold hours; None: defaults


def read_stamped(
    uow: UnitOfWork, subject: Subject, needs: Iterable[str]
) -> tuple[dict[str, float | bool], Stamp]:
    """``read``, and in the same statement the tenant's rules' stamp and thresholds."""
    features, row = _read(uow, subject, set(needs), stamped=True)
    thresholds = None
    if row["review_score"] is not None:  # the tenant saved its own
        thresholds = tuple(int(row[name]) for name in feature_sql.THRESHOLDS)
    return features, Stamp((int(row["rule_rows"]), row["newest_rule"]), thresholds)


def _read(
    uow: UnitOfWork, subject: Subject, names: set[str], *, stamped: bool
) -> tuple[dict[str, float | bool], Any]:
    now = uow.clock.now()
    features: dict[str, float | bool] = {
        "order_total_cents": subject.order_total_cents,
        "claim_cents": subject.claim_cents,
    }
    parts = parts_for(names)
    row: Any = {}
    if parts or stamped:
        bound = {
            "customer": subject.customer_id,
            "tenant": subject.tenant_id,
            "order": subject.order_id or NOTHING,
            "device": subject.device_id or NOTHING,
            "instrument": subject.instrument or NOTHING,
            "rider": subject.rider_id or NOTHING,
            "hour": now - timedelta(hours=1),
            "day": now - timedelta(days=1),
            "month": now - timedelta(days=30),
        }
        statement = feature_sql.statement(parts | {"stamp"} if stamped else parts)
        row = uow.conn.execute(statement, bound).mappings().one()
    for part in parts:
        features.update(_READERS[part](row, subject, now))
    for name in names - features.keys():
        features[name] = 1 if name == "accounts_on_address" else 0
    if "new_account" in names and "born" not in parts:
        features["new_account"] = False
    return features, row


def _orders(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    return {
        "orders_1h": int(row["orders_hour"]),
        "orders_24h": int(row["orders_day"]),
        "orders_30d": int(row["orders_month"]),
        "delivered_30d": int(row["delivered"]),
    }


def _claims(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    extra = 1 if subject.counts_this_claim else 0
    claims = int(row["claims_month"]) + extra
    out: dict[str, float | bool] = {
        "claims_1h": int(row["claims_hour"]) + extra,
        "claims_24h": int(row["claims_day"]) + extra,
        "claims_30d": claims,
    }
    if "delivered" in row:
        delivered = int(row["delivered"])
        out["claims_per_delivered_30d"] = claims / delivered if delivered else 0.0
    return out


def _grants(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    return {
        "grants_24h": int(row["grants_day"]),
        "grants_30d": int(row["grants_month"]),
        "granted_cents_30d": int(row["granted_cents"]),
    }


def _coupons(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    return {
        "coupon_uses_24h": int(row["coupons_day"]),
        "coupon_uses_30d": int(row["coupons_month"]),
    }


def _born(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    born = row["born"]
    age_days = (now - born).total_seconds() / 86_400 if born else 0.0
    return {"account_age_days": round(age_days, 3), "new_account": age_days < 7}


def _address(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    return {"accounts_on_address": max(1, int(row["near"]))}


def _pair(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    extra = 1 if subject.counts_this_claim and row["has_rider"] else 0
    return {"rider_pair_claims_30d": int(row["pair"]) + extra}


def _device(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    accounts = int(row["on_device"])  # 0 without a device
    extra = 1 if subject.counts_this_claim and accounts else 0
    return {
        "accounts_on_device": accounts,
        "device_claims_30d": int(row["device_claims"]) + extra,
    }


def _phone(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    accounts = int(row["on_phone"])  # 0 when the customer gave no phone
    extra = 1 if subject.counts_this_claim and accounts else 0
    return {"accounts_on_phone": accounts, "phone_claims_30d": int(row["phone_claims"]) + extra}


def _instrument(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    payers = int(row["payers"])
    if subject.instrument is not None and not row["paid_before"]:
        payers += 1  # at checkout: this account, paying now, is one of them
    extra = 1 if subject.counts_this_claim and payers else 0
    return {
        "instrument_orders_1h": int(row["paid_hour"]),
        "instrument_orders_24h": int(row["paid_day"]),
        "instrument_orders_30d": int(row["paid_month"]),
        "instrument_claims_30d": int(row["paid_claims"]) + extra,
        "instrument_refunds_30d": int(row["paid_refunds"]),
        "accounts_on_instrument": payers,
    }


def _rider(row: Any, subject: Subject, now: Any) -> dict[str, float | bool]:
    extra = 1 if subject.counts_this_handback else 0
    month = int(row["handbacks_month"]) + extra
    assigned = int(row["assigned_month"])
    at = row["assigned_at"]
    return {
        "rider_handbacks_24h": int(row["handbacks_day"]) + extra,
        "rider_handbacks_30d": month,
        "rider_assignments_24h": int(row["assigned_day"]),
        "rider_assignments_30d": assigned,
        "rider_handback_rate_30d": round(month / assigned, 3) if assigned else 0.0,
        "minutes_since_assigned": (
            round((now - at).total_seconds() / 60, 2) if at is not None else UNKNOWN_MINUTES
        ),
    }


_READERS = {
    "orders": _orders,
    "claims": _claims,
    "grants": _grants,
    "coupons": _coupons,
    "born": _born,
    "address": _address,
    "pair": _pair,
    "device": _device,
    "phone": _phone,
    "instrument": _instrument,
    "rider": _rider,
}
