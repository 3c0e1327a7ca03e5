"""The ledger against a real database, driven by Hypothesis: whatever mix of grants, retries and
reversals happens, every order gets at most one grant per cause and the books balance."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import make_platform
from tests.integration.helpers import place_demo_order, seeded
from tiffin.care import ledger
from tiffin.care.policy import Decision, Instrument, Tier
from tiffin.clock import ManualClock
from tiffin.domain.anomalies import Liability
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Conflict
from tiffin.store import tables

TIERS = [
    Tier(name="credit-500", instrument=Instrument.CREDIT, amount_cents=500),
    Tier(name="coupon-300", instrument=Instrument.COUPON, amount_cents=300, min_spend_cents=1500),
    Tier(name="double-points", instrument=Instrument.POINTS, points_multiplier=2),
]

operation = st.one_of(
    st.tuples(
        st.just("grant"),
        st.integers(0, 2),  # which cause
        st.sampled_from(TIERS),
        st.integers(0, 3000),  # refund
        st.sampled_from(list(Liability)),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 2)),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_grants_are_once_per_cause_and_the_books_always_balance(
    sqlite_template: Path, tmp_path: Path, ops: list[tuple[object, ...]]
) -> None:
    copy = tmp_path / f"{uuid.uuid4().hex}.db"  # a fresh database for every example
    shutil.copy(sqlite_template, copy)
    platform = make_platform(f"sqlite:///{copy}", ManualClock())
    ids = seeded(platform)
    order_id = place_demo_order(platform, ids)
    operator = Principal("usr_ops", ids.tenant_id, Role.OPERATOR, None)
    made: dict[int, str] = {}
    for op in ops:
        with platform.uow() as uow:
            if op[0] == "grant":
                _, cause, tier, refund, liable = op
                decision = Decision(tier, tier.cost_cents(1.0), refund, False, False, "test")  # type: ignore[union-attr]
                grant, _ = ledger.grant(
                    uow,
                    tenant_id=ids.tenant_id,
                    customer_id=ids.customer.subject_id or "",
                    order_id=order_id,
                    cause=f"anomaly:{cause}",
                    decision=decision,
                    liable=liable,  # type: ignore[arg-type]
                    payer=ledger.payer_account(
                        liable,
                        tenant_id=ids.tenant_id,
                        merchant_id=ids.merchant_id,  # type: ignore[arg-type]
                    ),
                    policy_version=1,
                )
                if grant is not None:
                    assert made.setdefault(cause, grant.id) == grant.id  # type: ignore[arg-type]
            elif op[1] in made:
                with contextlib.suppress(Conflict):  # twice is refused, and changes nothing
                    ledger.reverse(uow, operator, made[op[1]], reason="test")  # type: ignore[index]
            uow.commit()
    with platform.uow(read_only=True) as uow:
        p = tables.ledger_postings.c
        g = tables.grants.c
        assert uow.conn.execute(select(func.coalesce(func.sum(p.amount_cents), 0))).scalar() == 0
        per_cause = uow.conn.execute(
            select(g.cause, func.count()).where(g.order_id == order_id).group_by(g.cause)
        ).all()
        assert all(n == 1 for _, n in per_cause)
        live = uow.conn.execute(
            select(func.coalesce(func.sum(g.amount_cents + g.refund_cents), 0)).where(
                g.order_id == order_id, g.status == "granted"
            )
        ).scalar()
        customer = uow.conn.execute(
            select(func.coalesce(func.sum(p.amount_cents), 0)).where(
                p.account.like(f"customer:{ids.customer.subject_id}:%"),
                p.grant_id.in_(select(g.id).where(g.order_id == order_id)),
            )
        ).scalar()
        assert customer == live
    platform.db.dispose()
