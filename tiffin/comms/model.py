"""What comms says and hears, as pure functions: statements from facts, topics of complaints,
spikes of negative feedback, and the words that close the loop with a complainant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

LANGUAGES = ("zh-CN", "en")

COMPONENT_WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "ordering": "下单",
        "dispatch": "骑手调度",
        "notifications": "消息通知",
        "payments": "支付",
    },
    "en": {
        "ordering": "ordering",
        "dispatch": "rider dispatch",
        "notifications": "notifications",
        "payments": "payments",
    },
}


@dataclass(frozen=True, slots=True)
class StatementFacts:
    """What a statement must say: every field appears in both languages."""

    what: str  # the incident's title
    components: tuple[str, ...]
    since: datetime
    affected_orders: int
    doing: str  # the newest public update: what is being done
    resolved_at: datetime | None
    compensation_cents: int  # goodwill granted so far
    compensated_orders: int

    def as_json(self) -> dict[str, object]:
        """Stored with each version: what it was drafted from."""
        return {
            "what": self.what,
            "components": list(self.components),
            "since": self.since.isoformat(),
            "affected_orders": self.affected_orders,
            "doing": self.doing,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "compensation_cents": self.compensation_cents,
            "compensated_orders": self.compensated_orders,
        }


def yuan(cents: int) -> str:
    """Money as it is written in a statement (integer cents in, two decimals out)."""
    return f"{cents // 100}.{cents % 100:02d}"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def draft_statement(facts: StatementFacts) -> dict[str, dict[str, str]]:
    """A public statement in zh-CN and English from an incident's facts (危机声明)."""
    zh_parts = "、".join(COMPONENT_WORDS["zh-CN"].get(c, c) for c in facts.components)
    en_parts = ", ".join(COMPONENT_WORDS["en"].get(c, c) for c in facts.components)
    zh = [
        f"自{_when(facts.since)}起，平台{zh_parts}服务出现故障：{facts.what}。",
        f"受影响订单共{facts.affected_orders}单。",
        f"我们正在采取的措施：{facts.doing}",
    ]
    en = [
        f"Since {_when(facts.since)}, our {en_parts} service has had a fault: {facts.what}.",
        f"{facts.affected_orders} orders were affected.",
        f"What we are doing: {facts.doing}",
    ]
    if facts.resolved_at is not None:
        zh.append(f"故障已于{_when(facts.resolved_at)}修复。")
        en.append(f"The fault was fixed at {_when(facts.resolved_at)}.")
    zh.append(
        f"我们已为{facts.compensated_orders}单受影响订单发放补偿，共{yuan(facts.compensation_cents)}元。"
        if facts.compensated_orders
        else "受影响的订单将在故障修复后获得补偿。"
    )
    en.append(
        f"We have compensated {facts.compensated_orders} affected orders, "
        f"{yuan(facts.compensation_cents)} in all."
        if facts.compensated_orders
        else "Affected orders will be compensated once the fault is fixed."
    )
    zh.append("对此给您带来的不便，我们深表歉意。")
    en.append("We are sorry for the trouble this caused.")
    return {
        "zh-CN": {"title": f"关于{facts.what}的说明", "body": "".join(zh)},
        "en": {"title": f"About: {facts.what}", "body": " ".join(en)},
    }


# Keyword topics of complaints, in both languages (lower-case English).
TOPICS: dict[str, tuple[str, ...]] = {
    "late": ("慢", "晚", "迟", "等了", "超时", "延误", "late", "slow", "wait", "delay"),
    "cold": ("凉", "冷", "cold", "lukewarm"),
    "missing": ("少", "漏", "没有收到", "缺", "missing", "forgot", "never arrived", "wrong"),
    "rude": ("态度", "骂", "凶", "不礼貌", "rude", "impolite", "shout"),
    "compensation": ("补偿", "赔", "退款", "红包", "优惠券", "compensat", "refund", "coupon"),
}


def topics_of(text: str) -> list[str]:
    """The complaint topics a text mentions (keyword match, both languages)."""
    lowered = text.lower()
    return [topic for topic, words in TOPICS.items() if any(w in lowered for w in words)]


@dataclass(frozen=True, slots=True)
class SpikeRules:
    """A spike: at least a threshold of negative texts on one key within ``window``. The
    threshold is the key's own (a zone, merchant or topic the tenant named), else its
    dimension's, else ``min_negatives``."""

    window: timedelta = timedelta(minutes=30)
    min_negatives: int = 3
    by_dimension: Mapping[str, int] = field(default_factory=dict)
    by_key: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def threshold(self, dimension: str, key: str) -> int:
        """How many negatives on this key in one window make a spike."""
        default = self.by_dimension.get(dimension, self.min_negatives)
        return self.by_key.get((dimension, key), default)


def window_start(at: datetime, rules: SpikeRules) -> datetime:
    """The fixed window ``at`` falls in (windows are aligned to the epoch)."""
    seconds = int(rules.window.total_seconds())
    stamp = int(at.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=at.tzinfo)


def spikes(keys: Iterable[tuple[str, str]], rules: SpikeRules) -> list[tuple[str, str, int]]:
    """(dimension, key, count) for every key with enough negatives in one window."""
    counts = Counter(keys)
    return sorted((d, k, n) for (d, k), n in counts.items() if n >= rules.threshold(d, k))


CHANGE_WORDS: dict[str, dict[str, str]] = {
    "merchant_charged": {
        "en": "The restaurant was charged for what went wrong with your order.",
        "zh-CN": "商家已为您订单中的问题承担责任并被扣款。",
    },
    "rider_retrained": {
        "en": "The rider has been re-trained on what went wrong with your order.",
        "zh-CN": "相关骑手已就您订单中的问题接受再培训。",
    },
    "policy_changed": {
        "en": "We changed how we work because of what happened to your order.",
        "zh-CN": "因为您订单中的问题，我们调整了相关规则。",
    },
}


def loop_words(change: str, language: str, detail: str) -> tuple[str, str]:
    """The message that tells a complainant what their complaint changed."""
    lang = language if language in LANGUAGES else "en"
    title = "您的反馈带来了改变" if lang == "zh-CN" else "Your complaint changed something"
    body = CHANGE_WORDS[change][lang]
    if detail:
        body += ("" if lang == "zh-CN" else " ") + detail
    return title, body
