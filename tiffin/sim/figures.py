"""A simulated day's figures as a person reads them: words for keys, ¥ for cents, units."""

from __future__ import annotations

from collections.abc import Mapping

# Keys a table shows in words; any other key is shown with its underscores as spaces.
LABELS = {
    "orders": "orders",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "cancelled_by_reason": "cancelled, why",
    "stranded_orders": "orders left stranded",
    "click_to_door_mean": "click to door, mean",
    "click_to_door_p90": "click to door, 90th percentile",
    "on_time_pct": "on time (within 30 minutes)",
    "redispatched": "orders re-dispatched",
    "riders": "riders",
    "riders_dropped": "riders who dropped out",
    "repositioning_moves": "riders moved toward demand",
    "anomalies_by_type": "abnormal orders by type",
    "anomalies": "anomalies detected",
    "affected_orders": "orders affected",
    "detection_delay_s_mean": "detection delay, mean",
    "detection_delay_s_max": "detection delay, longest",
    "affected_customers_notified_pct": "affected customers told",
    "messages": "messages sent",
    "notification_delay_p50_s": "notification delay, median",
    "notification_delay_p99_s": "notification delay, 99th percentile",
    "redispatch_success_pct": "re-dispatch success",
    "orders_boosted": "orders given priority",
    "compensation_cents": "compensation granted",
    "refunds_cents": "refunds",
    "compensation_per_affected_order_cents": "compensation per affected order",
    "budget_hit": "daily budget reached",
    "escalated_to_operators": "escalated to operators",
    "policy_version": "compensation policy version",
    "playbook_version": "playbook version",
    "liable": "who was liable (anomalies)",
    "force_majeure_share_pct": "charged to force majeure",
}
# Shown in the title, not as rows.
TITLE_KEYS = ("scenario", "seed")


def yuan(cents: int) -> str:
    """Integer cents as a price: ``1250`` -> ``¥12.50``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}¥{whole:,}.{part:02d}"


def label(key: str) -> str:
    return LABELS.get(key, key.removesuffix("_cents").replace("_", " "))


def shown(key: str, value: object) -> str:
    """One figure in words and units."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        parts = sorted(value.items(), key=lambda kv: (-_number(kv[1]), str(kv[0])))
        return ", ".join(f"{_words(str(k))} {v}" for k, v in parts) or "none"
    if key.endswith("_cents") and isinstance(value, int | float):
        return yuan(int(value))
    if key.endswith("_pct"):
        return f"{value:.1f} %" if isinstance(value, int | float) else str(value)
    if key.endswith("_s") or "_s_" in key:
        return f"{value:.2f} s" if isinstance(value, int | float) else str(value)
    if key.startswith("click_to_door"):
        return f"{value:.1f} minutes" if isinstance(value, int | float) else str(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def rows(figures: Mapping[str, object]) -> list[tuple[str, str]]:
    """(label, value) pairs for a table, in the figures' own order."""
    return [(label(k), shown(k, v)) for k, v in figures.items() if k not in TITLE_KEYS]


def _words(key: str) -> str:
    return key.replace("_", " ").replace("eta ", "ETA ")


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
