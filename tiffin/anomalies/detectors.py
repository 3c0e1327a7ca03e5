"""Detectors: pure functions from facts and thresholds to detections.

Two kinds. ``scan`` runs on a timer over orders still in flight (not accepted in time, food late,
no rider, rider lost, ETA slipping). ``on_finished`` runs when an order ends (delivered late;
cancelled by anyone but the customer). A customer's report of missing, wrong or damaged items
comes through ``item_problem``. Each detection says who is liable and why, in a reason code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tiffin.anomalies.eta import Eta
from tiffin.anomalies.thresholds import Thresholds
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, OrderFacts, Reason, Severity
from tiffin.domain.order import OrderStatus

S = OrderStatus
NEEDS_RIDER = (S.ACCEPTED, S.READY)
CARRYING = (S.ASSIGNED, S.PICKED_UP)


def _minutes(m: float) -> timedelta:
    return timedelta(minutes=m)


def food_is_late(f: OrderFacts, now: datetime, t: Thresholds) -> bool:
    due = f.expected_ready_at + _minutes(t.ready_grace_minutes)
    return (f.ready_at or now) > due


def attribute_delay(f: OrderFacts, now: datetime, t: Thresholds) -> tuple[Liability, Reason]:
    """Who a late (or about to be late) order is charged to, and the words we give the customer.

    The kitchen first (food later than its own preparation time plus grace), then declared force
    majeure (a storm: nobody's fault, the platform's care fund pays), then the platform.
    """
    if food_is_late(f, now, t):
        return Liability.MERCHANT, Reason.MERCHANT_DELAY
    if f.weather:
        return Liability.FORCE_MAJEURE, Reason.WEATHER
    if f.status in NEEDS_RIDER or f.assigned_at is None:
        return Liability.PLATFORM, Reason.RIDER_SHORTAGE
    return Liability.PLATFORM, Reason.TRAFFIC_DELAY


def scan(f: OrderFacts, now: datetime, t: Thresholds, eta: Eta) -> list[Detection]:
    """Everything wrong with an in-flight order right now (each type at most once)."""
    found: list[Detection] = []

    def hit(
        kind: AnomalyType,
        severity: Severity,
        liable: Liability,
        reason: Reason,
        since: datetime,
        **facts: object,
    ) -> None:
        found.append(Detection(f.order_id, kind, severity, liable, reason, since, now, facts))

    if f.status is S.PLACED:
        due = f.placed_at + _minutes(t.accept_minutes)
        if now >= due:
            hit(
                AnomalyType.MERCHANT_SLOW_ACCEPT,
                Severity.MEDIUM,
                Liability.MERCHANT,
                Reason.MERCHANT_DELAY,
                due,
                waiting_minutes=round((now - f.placed_at).total_seconds() / 60, 1),
            )
        return found
    if f.status in (S.ACCEPTED, S.ASSIGNED) and f.ready_at is None:
        due = f.expected_ready_at + _minutes(t.ready_grace_minutes)
        if now >= due:
            late = (now - f.expected_ready_at).total_seconds() / 60
            hit(
                AnomalyType.FOOD_LATE,
                Severity.HIGH if late >= 15 else Severity.MEDIUM,
                Liability.MERCHANT,
                Reason.MERCHANT_DELAY,
                due,
                minutes_past_ready=round(late, 1),
            )
    if f.status in NEEDS_RIDER and f.waiting_since is not None:
        # A rider is needed once the food is (or should be) ready; the dispatcher rightly holds
        # an order whose kitchen is still cooking, and that is not an anomaly.
        needed_from = max(f.waiting_since, f.ready_at or f.expected_ready_at)
        due = needed_from + _minutes(t.no_rider_minutes)
        if now >= due or f.offers_made >= t.max_offers:
            hit(
                AnomalyType.NO_RIDER,
                Severity.HIGH,
                Liability.FORCE_MAJEURE if f.weather else Liability.PLATFORM,
                Reason.WEATHER if f.weather else Reason.RIDER_SHORTAGE,
                min(due, now),
                offers_made=f.offers_made,
                waiting_minutes=round((now - needed_from).total_seconds() / 60, 1),
            )
    if f.status in CARRYING and f.rider is not None:
        lost = _rider_lost(f, now, t)
        if lost is not None:
            since, why = lost
            hit(
                AnomalyType.RIDER_LOST,
                Severity.CRITICAL if f.status is S.PICKED_UP else Severity.HIGH,
                Liability.RIDER,
                Reason.RIDER_INCIDENT,
                since,
                rider_id=f.rider.id,
                why=why,
            )
    late = eta.lateness_minutes(f, now)
    if late >= t.eta_slip_minutes:
        liable, reason = attribute_delay(f, now, t)
        predicted = eta.predict(f, now)
        hit(
            AnomalyType.ETA_SLIP,
            Severity.HIGH if late >= 2 * t.eta_slip_minutes else Severity.MEDIUM,
            liable,
            reason,
            now,
            predicted_at=predicted.isoformat() if predicted else None,
            minutes_late=round(late, 1),
        )
    return found


def _rider_lost(f: OrderFacts, now: datetime, t: Thresholds) -> tuple[datetime, str] | None:
    rider = f.rider
    assert rider is not None
    if not rider.on_shift:
        return (rider.seen_at or now), "rider went off shift with the order"
    if rider.seen_at is None or now - rider.seen_at >= _minutes(t.rider_silent_minutes):
        since = (rider.seen_at or now) + _minutes(t.rider_silent_minutes)
        return min(since, now), "no location report"
    moved = rider.moved_at or f.assigned_at or rider.seen_at
    if now - moved >= _minutes(t.rider_stationary_minutes):
        return moved + _minutes(t.rider_stationary_minutes), "not moving"
    return None


def on_finished(
    f: OrderFacts, now: datetime, t: Thresholds, *, actor_role: str, reason_text: str
) -> Detection | None:
    """An order has just ended: was that an anomaly?"""
    if f.status is S.DELIVERED and f.finished_at is not None:
        late = (f.finished_at - f.promised_at).total_seconds() / 60
        if late < t.late_minutes:
            return None
        liable, reason = attribute_delay(f, f.finished_at, t)
        severity = Severity.HIGH if late >= 30 else Severity.MEDIUM if late >= 15 else Severity.LOW
        return Detection(
            f.order_id,
            AnomalyType.DELIVERED_LATE,
            severity,
            liable,
            reason,
            f.finished_at,  # it becomes a fact at the door
            now,
            {"minutes_late": round(late, 1)},
        )
    if f.status in (S.CANCELLED, S.FAILED) and actor_role != "customer":
        if actor_role == "merchant":
            liable, reason = Liability.MERCHANT, Reason.MERCHANT_DECLINED
        elif actor_role == "rider":
            liable, reason = Liability.RIDER, Reason.RIDER_INCIDENT
        elif f.weather:
            liable, reason = Liability.FORCE_MAJEURE, Reason.WEATHER
        else:
            liable, reason = Liability.PLATFORM, _platform_reason(reason_text)
        return Detection(
            f.order_id,
            AnomalyType.CANCELLED,
            Severity.HIGH,
            liable,
            reason,
            f.finished_at or now,
            now,
            {"by": actor_role, "why": reason_text, "status": f.status.value},
        )
    return None


def handed_back(
    order_id: str, now: datetime, *, since: datetime, rider_id: str | None, why: str
) -> Detection:
    """The rider gave the order back (a flat tyre, an accident): the rider is lost to it."""
    return Detection(
        order_id,
        AnomalyType.RIDER_LOST,
        Severity.HIGH,
        Liability.RIDER,
        Reason.RIDER_INCIDENT,
        since,
        now,
        {"rider_id": rider_id, "why": f"handed back: {why}"},
    )


def _platform_reason(text: str) -> Reason:
    lowered = text.lower()
    if "dropped" in lowered or "incident" in lowered:
        return Reason.RIDER_INCIDENT
    if "rider" in lowered:
        return Reason.RIDER_SHORTAGE
    if "weather" in lowered or "storm" in lowered:
        return Reason.WEATHER
    return Reason.PLATFORM_FAULT


ITEM_PROBLEMS = ("missing", "wrong", "damaged")


def item_problem(
    order_id: str, now: datetime, *, problem: str, photo_ref: str | None, note: str
) -> Detection:
    """A customer's report: missing or wrong items are the kitchen's; damage in transit the
    rider's."""
    if problem not in ITEM_PROBLEMS:
        raise ValueError(f"problem must be one of {', '.join(ITEM_PROBLEMS)}")
    liable = Liability.RIDER if problem == "damaged" else Liability.MERCHANT
    return Detection(
        order_id,
        AnomalyType.ITEM_PROBLEM,
        Severity.MEDIUM,
        liable,
        Reason.ITEM_PROBLEM,
        now,
        now,
        {"problem": problem, "photo_ref": photo_ref, "note": note},
    )
