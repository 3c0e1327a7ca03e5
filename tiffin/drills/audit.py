"""The crash drill's audit: drain what the workers left, then check the database against every
answer the clients were given (lost, duplicated, side effects lost or duplicated)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tiffin.drills.load import Ledger
from tiffin.settings import Settings
from tiffin.store import tables

INBOX_ACTIONS = {"placed", "accept", "mark_ready", "assign", "pick_up", "deliver"}


@dataclass
class Report:
    kills: int
    acknowledged: int
    acknowledged_steps: int
    lost: int
    duplicated: int
    effects_lost: int
    effects_duplicated: int
    recovery_s: list[float]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.effects_lost or self.effects_duplicated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kills": self.kills,
            "acknowledged": self.acknowledged,
            "acknowledged_steps": self.acknowledged_steps,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "effects_lost": self.effects_lost,
            "effects_duplicated": self.effects_duplicated,
            "recovery_s_median": round(statistics.median(self.recovery_s), 3)
            if self.recovery_s
            else None,
            "recovery_s_max": round(max(self.recovery_s), 3) if self.recovery_s else None,
            "problems": self.problems[:20],
        }


def audit(database_url: str, ledger: Ledger, *, kills: int, recovery: list[float]) -> Report:
    """Drain what the workers left, then check the database against every answer."""
    from tiffin.platform import Platform

    platform = Platform.build(Settings(database_url=database_url))
    platform.outbox_runner().run_until_idle()
    platform.notification_sender().run_until_idle()
    problems: list[str] = []
    lost = duplicated = effects_lost = effects_duplicated = 0
    with platform.uow(read_only=True) as uow:
        conn = uow.conn
        o, t, k = tables.orders.c, tables.order_transitions.c, tables.idempotency_keys.c
        order_ids = set(conn.execute(select(o.id)).scalars())
        for key, order_id in ledger.placed.items():
            if order_id not in order_ids:
                lost += 1
                problems.append(f"order {order_id} (key {key}) was acknowledged but is missing")
        by_key = Counter(
            r["response"].get("id") for r in conn.execute(select(k.response, k.key)).mappings()
        )
        keyed = {oid for oid in by_key if oid}
        for order_id in order_ids - keyed:  # every order comes through the API, with a key
            duplicated += 1
            problems.append(f"order {order_id} exists without the idempotency key behind it")
        duplicated += sum(1 for oid, n in by_key.items() if oid and n > 1)
        history: dict[str, Counter[str]] = defaultdict(Counter)
        for order_id, action in conn.execute(select(t.order_id, t.action)):
            history[order_id][action] += 1
        for order_id, action in ledger.steps:
            if history[order_id][action] == 0:
                lost += 1
                problems.append(f"{action} on {order_id} was acknowledged but is not recorded")
        for order_id, actions in history.items():
            for action, n in actions.items():
                if n > 1:
                    duplicated += 1
                    problems.append(f"{action} recorded {n} times on {order_id}")
        m = tables.inbox_messages.c
        messages = Counter(
            conn.execute(select(m.event_id).where(m.event_id.is_not(None))).scalars()
        )
        ob = tables.outbox.c
        for event_id, topic in conn.execute(select(ob.id, ob.topic)):
            if topic.removeprefix("order.") not in INBOX_ACTIONS:
                continue
            if messages[event_id] == 0:
                effects_lost += 1
                problems.append(f"event {event_id} ({topic}) produced no inbox message")
            elif messages[event_id] > 1:
                effects_duplicated += 1
        rejected = set(conn.execute(select(t.order_id).where(t.action == "reject")).scalars())
        a, g, nt = tables.anomalies.c, tables.grants.c, tables.notifications.c
        anomalies = Counter(conn.execute(select(a.order_id)).scalars())
        grants = Counter(conn.execute(select(g.order_id)).scalars())
        told = Counter(
            conn.execute(select(nt.order_id).where(nt.recipient.like("customer:%"))).scalars()
        )
        for order_id in rejected:
            for what, counts in (("anomaly", anomalies), ("grant", grants), ("message", told)):
                if counts[order_id] == 0:
                    effects_lost += 1
                    problems.append(f"declined order {order_id} has no {what}")
                elif counts[order_id] > 1:
                    effects_duplicated += 1
                    problems.append(f"declined order {order_id} has {counts[order_id]} {what}s")
    platform.stop()
    return Report(
        kills=kills,
        acknowledged=len(ledger.placed),
        acknowledged_steps=len(ledger.steps),
        lost=lost,
        duplicated=duplicated,
        effects_lost=effects_lost,
        effects_duplicated=effects_duplicated,
        recovery_s=recovery,
        problems=problems,
    )
