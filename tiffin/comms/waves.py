"""Anomaly waves, pure: many anomalies of one type in one place at one time, and what a public
statement about one says.

A wave is a run of anomalies of one type in one scope (the whole tenant, one zone, one
merchant) where each was detected within ``gap`` of the one before, at least
``min_anomalies`` long: a kitchen that stops accepting at noon, a storm that leaves a zone
without riders. Single troubles stay between tiffin and the customer; a wave is what the
public notices, so it is what a statement (危机声明) speaks about.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tiffin.comms.model import LANGUAGES, yuan
from tiffin.domain.anomalies import AnomalyType

SCOPES = ("all", "zone", "merchant")


@dataclass(frozen=True, slots=True)
class Sighting:
    """One anomaly, as a wave sees it."""

    anomaly_id: str
    order_id: str
    type: str
    merchant: str
    zone: str | None
    since: datetime  # when the trouble began
    detected_at: datetime


@dataclass(frozen=True, slots=True)
class WaveRules:
    """At least ``min_anomalies``, each within ``gap`` of the one before."""

    min_anomalies: int = 5
    gap: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class AnomalyWave:
    """A wave found: its type and scope, its first and last detection, its size."""

    type: str
    dimension: str  # all, zone or merchant
    key: str  # the zone's name, the merchant's id; "" for all
    since: datetime  # the earliest trouble's start
    first_at: datetime
    until: datetime  # the last detection
    anomalies: int
    orders: int


def find_waves(sightings: Iterable[Sighting], rules: WaveRules) -> list[AnomalyWave]:
    """Every wave in the sightings, in every scope, newest first."""
    groups: dict[tuple[str, str, str], list[Sighting]] = defaultdict(list)
    for s in sightings:
        groups[(s.type, "all", "")].append(s)
        groups[(s.type, "merchant", s.merchant)].append(s)
        if s.zone:
            groups[(s.type, "zone", s.zone)].append(s)
    found = []
    for (kind, dimension, key), group in groups.items():
        for run in _runs(sorted(group, key=lambda s: s.detected_at), rules.gap):
            if len(run) >= rules.min_anomalies:
                found.append(
                    AnomalyWave(
                        type=kind,
                        dimension=dimension,
                        key=key,
                        since=min(s.since for s in run),
                        first_at=run[0].detected_at,
                        until=run[-1].detected_at,
                        anomalies=len(run),
                        orders=len({s.order_id for s in run}),
                    )
                )
    return sorted(found, key=lambda w: (-w.until.timestamp(), -w.anomalies, w.dimension, w.key))


def _runs(ordered: list[Sighting], gap: timedelta) -> list[list[Sighting]]:
    runs: list[list[Sighting]] = []
    for s in ordered:
        if runs and s.detected_at - runs[-1][-1].detected_at <= gap:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


# --- what a statement about a wave says ------------------------------------------------------

# Per type, (what a title calls it, what happened to the orders), in each language.
TYPE_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        AnomalyType.MERCHANT_SLOW_ACCEPT: (
            "orders waiting for the restaurant",
            "waited too long for the restaurant to accept them",
        ),
        AnomalyType.FOOD_LATE: ("food running late", "were held up by food running late"),
        AnomalyType.NO_RIDER: ("orders waiting for a rider", "waited too long for a rider"),
        AnomalyType.RIDER_LOST: ("riders out of contact", "lost contact with their rider"),
        AnomalyType.ETA_SLIP: ("deliveries running late", "ran late on the way"),
        AnomalyType.DELIVERED_LATE: ("late deliveries", "were delivered late"),
        AnomalyType.CANCELLED: ("cancelled orders", "were cancelled"),
        AnomalyType.ITEM_PROBLEM: (
            "missing, wrong or damaged items",
            "had missing, wrong or damaged items",
        ),
    },
    "zh-CN": {
        AnomalyType.MERCHANT_SLOW_ACCEPT: ("商家接单缓慢", "长时间未被商家接单"),
        AnomalyType.FOOD_LATE: ("出餐延迟", "因出餐延迟受到影响"),
        AnomalyType.NO_RIDER: ("骑手不足", "长时间无骑手接单"),
        AnomalyType.RIDER_LOST: ("骑手失联", "在配送途中与骑手失去联系"),
        AnomalyType.ETA_SLIP: ("配送延误", "配送延误"),
        AnomalyType.DELIVERED_LATE: ("订单超时送达", "超时送达"),
        AnomalyType.CANCELLED: ("订单被取消", "被取消"),
        AnomalyType.ITEM_PROBLEM: ("餐品问题", "出现餐品缺漏、错送或损坏"),
    },
}

# What the playbook's steps did, with the number of orders each was done for.
STEP_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "redispatch": "re-dispatched {n} orders to other riders",
        "notify_merchant": "pressed the restaurant on {n} orders",
        "notify_customer": "told the customers of {n} orders what to expect",
        "escalate": "passed {n} orders to our operators",
    },
    "zh-CN": {
        "redispatch": "已将{n}单改派给其他骑手",
        "notify_merchant": "已就{n}单督促商家",
        "notify_customer": "已逐一告知{n}单的顾客最新情况",
        "escalate": "已将{n}单转交人工处理",
    },
}

# Which status-page component a wave of each type is news about (its subscribers hear it).
TYPE_COMPONENT: dict[str, str] = {
    AnomalyType.MERCHANT_SLOW_ACCEPT: "ordering",
    AnomalyType.FOOD_LATE: "ordering",
    AnomalyType.CANCELLED: "ordering",
    AnomalyType.ITEM_PROBLEM: "ordering",
    AnomalyType.NO_RIDER: "dispatch",
    AnomalyType.RIDER_LOST: "dispatch",
    AnomalyType.ETA_SLIP: "dispatch",
    AnomalyType.DELIVERED_LATE: "dispatch",
}


@dataclass(frozen=True, slots=True)
class WaveFacts:
    """What a statement about a wave must say: every field appears in both languages."""

    type: str
    dimension: str
    place: str  # the zone's or merchant's name; "" for the whole tenant
    since: datetime
    until: datetime
    affected_orders: int
    still_open: int
    actions: tuple[tuple[str, int], ...]  # (playbook step, orders it was done for)
    compensation_cents: int  # goodwill and refunds granted for the wave's anomalies
    compensated_orders: int

    def as_json(self) -> dict[str, object]:
        """Stored with each version: what it was drafted from."""
        return {
            "type": self.type,
            "dimension": self.dimension,
            "place": self.place,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "affected_orders": self.affected_orders,
            "still_open": self.still_open,
            "actions": dict(self.actions),
            "compensation_cents": self.compensation_cents,
            "compensated_orders": self.compensated_orders,
        }


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _where(facts: WaveFacts, language: str) -> str:
    if facts.dimension == "zone":
        return f"{facts.place}区域" if language == "zh-CN" else f" in {facts.place}"
    if facts.dimension == "merchant":
        return f"商家{facts.place}" if language == "zh-CN" else f" at {facts.place}"
    return ""


def draft_wave_statement(facts: WaveFacts) -> dict[str, dict[str, str]]:
    """A public statement in zh-CN and English from an anomaly wave's facts (危机声明)."""
    (name_zh, what_zh), (name_en, what_en) = (TYPE_WORDS[lang][facts.type] for lang in LANGUAGES)
    done_zh = "；".join(STEP_WORDS["zh-CN"][s].format(n=n) for s, n in facts.actions)
    done_en = "; ".join(STEP_WORDS["en"][s].format(n=n) for s, n in facts.actions)
    zh = [
        f"{_when(facts.since)}至{_when(facts.until)}，{_where(facts, 'zh-CN')}"
        f"共{facts.affected_orders}单订单{what_zh}。",
        f"我们正在采取的措施：{done_zh or '运营人员正在逐单处理'}。",
        f"仍有{facts.still_open}单正在处理中。" if facts.still_open else "所有订单均已处理完毕。",
    ]
    en = [
        f"From {_when(facts.since)} to {_when(facts.until)}, {facts.affected_orders} orders"
        f"{_where(facts, 'en')} {what_en}.",
        f"What we are doing: {done_en or 'our operators are handling each order'}.",
        f"{facts.still_open} are still being handled."
        if facts.still_open
        else "Every one of them has been handled.",
    ]
    if facts.compensated_orders:
        zh.append(
            f"我们已为{facts.compensated_orders}单发放补偿及退款，共{yuan(facts.compensation_cents)}元。"
        )
        en.append(
            f"We have compensated or refunded {facts.compensated_orders} orders, "
            f"{yuan(facts.compensation_cents)} in all."
        )
    else:
        zh.append("符合补偿规则的订单将自动获得补偿。")
        en.append("Orders that our compensation policy covers are compensated automatically.")
    zh.append("对此给您带来的不便，我们深表歉意。")
    en.append("We are sorry for the trouble this caused.")
    place_zh = _where(facts, "zh-CN")
    return {
        "zh-CN": {"title": f"关于{place_zh}{name_zh}的说明", "body": "".join(zh)},
        "en": {"title": f"About: {name_en}{_where(facts, 'en')}", "body": " ".join(en)},
    }
