"""Payouts held by a risk review: the customer told it is being checked and by when; on the
operator's verdict the grant is paid once (false positive) or refused with the reason told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tiffin.care import ledger
from tiffin.care.service import tell
from tiffin.domain.anomalies import Severity
from tiffin.domain.principals import Principal
from tiffin.risk import cases
from tiffin.risk.cases import Outcome
from tiffin.store.uow import UnitOfWork

_CHECKING = {
    "en": (
        "We are checking your claim",
        "Your report on order {order} is being checked; you will hear from us by {due} (UTC).",
    ),
    "zh-CN": (
        "您的申请正在核实",
        "您对订单 {order} 的反馈正在核实中，我们将在 {due}（UTC）前答复您。",
    ),
}
_RELEASED = {
    "en": ("Your claim was approved", "We checked your report on order {order}: {what} is paid."),
    "zh-CN": ("您的申请已通过", "订单 {order} 的反馈已核实：{what} 已发放。"),
}
_REFUSED = {
    "en": (
        "Your claim was not approved",
        "We checked your report on order {order} and cannot compensate it: {why}",
    ),
    "zh-CN": ("您的申请未通过", "订单 {order} 的反馈经核实无法补偿：{why}"),
}


def _words(table: dict[str, tuple[str, str]], **values: str) -> Any:
    def words(language: str) -> tuple[str, str]:
        title, body = table.get(language, table["en"])
        return title, body.format(**values)

    return words


def tell_checking(
    uow: UnitOfWork, *, tenant_id: str, customer_id: str, order_id: str, case_id: str, due: datetime
) -> None:
    """The customer hears their claim is held for a check, and by when they will know."""
    tell(
        uow,
        tenant_id=tenant_id,
        customer_id=customer_id,
        order_id=order_id,
        dedupe_key=f"risk:{case_id}:checking",
        words=_words(_CHECKING, order=order_id, due=f"{due:%Y-%m-%d %H:%M}"),
        severity=Severity.LOW,
        minutes_late=0,
    )


def settle(
    uow: UnitOfWork, operator: Principal, case_id: str, outcome: Outcome, note: str
) -> dict[str, Any]:
    """Resolve the case and settle its held grant: a false positive pays it (once), confirmed
    abuse refuses it; the customer is told either way."""
    case = cases.resolve(uow, operator, case_id, outcome, note)
    grant_id = case.get("grant_id")
    if grant_id is None or case["order_id"] is None:
        return case
    release = outcome is Outcome.FALSE_POSITIVE
    why = (
        "the pattern of claims on this account needs no compensation (" + case["reason_code"] + ")"
    )
    grant = ledger.settle_held(uow, grant_id, release=release, reason=why)
    if grant is not None:
        paid = f"{(grant.amount_cents + grant.refund_cents) / 100:.2f}"
        words = (
            _words(_RELEASED, order=case["order_id"], what=paid)
            if release
            else _words(_REFUSED, order=case["order_id"], why=why)
        )
        tell(
            uow,
            tenant_id=case["tenant_id"],
            customer_id=case["customer_id"],
            order_id=case["order_id"],
            dedupe_key=f"risk:{case_id}:settled",
            words=words,
            severity=Severity.LOW,
            minutes_late=0,
        )
    return {**case, "grant_status": grant.status if grant else None}
