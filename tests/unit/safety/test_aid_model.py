"""The steps of insurance claims and support requests: only the flow's, each with what it
needs, each recorded with who and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tiffin.domain.principals import Actor
from tiffin.safety.aid.model import (
    CLAIM_FLOW,
    AidRefused,
    Claim,
    ClaimKind,
    ClaimStatus,
    SupportKind,
    SupportRequest,
    SupportStatus,
)

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
OPS = Actor("operator", "usr_ops")


def claim(status: ClaimStatus = ClaimStatus.FILED) -> Claim:
    return Claim(
        "clm_1", "ten_1", "rdr_1", "ins_1", "PICC P-1", ClaimKind.ACCIDENT, T0,
        "fell on ice", 50_000, status, T0, T0,
    )  # fmt: skip


def request(status: SupportStatus = SupportStatus.OPEN) -> SupportRequest:
    return SupportRequest(
        "sup_1", "ten_1", "rdr_1", SupportKind.COUNSELLING, True, "cannot sleep", status, T0, T0
    )


def test_a_claim_goes_filed_review_approved_paid_with_who_and_when() -> None:
    c = claim()
    at = T0
    for to, paid in (
        (ClaimStatus.IN_REVIEW, None),
        (ClaimStatus.APPROVED, None),
        (ClaimStatus.PAID, 40_000),
    ):
        at += timedelta(hours=1)
        step = c.advance(to, actor=OPS, at=at, note="ok", paid_cents=paid)
        assert (step.status, step.actor, step.at) == (to.value, OPS, at)
    assert c.status is ClaimStatus.PAID and c.paid_cents == 40_000 and c.updated_at == at
    assert [s.status for s in c.steps] == ["in_review", "approved", "paid"]


@pytest.mark.parametrize("start", list(ClaimStatus))
@pytest.mark.parametrize("to", list(ClaimStatus))
def test_only_the_flows_steps_are_taken(start: ClaimStatus, to: ClaimStatus) -> None:
    c = claim(start)
    paid = 100 if to is ClaimStatus.PAID else None
    if to in CLAIM_FLOW[start]:
        c.advance(to, actor=OPS, at=T0, note="why", paid_cents=paid)
        assert c.status is to
    else:
        with pytest.raises(AidRefused) as refused:
            c.advance(to, actor=OPS, at=T0, note="why", paid_cents=paid)
        assert refused.value.code == "bad_claim_step" and c.status is start and not c.steps


def test_a_rejection_says_why_and_a_payment_is_within_the_claim() -> None:
    with pytest.raises(AidRefused, match="why"):
        claim(ClaimStatus.IN_REVIEW).advance(
            ClaimStatus.REJECTED, actor=OPS, at=T0, note=" ", paid_cents=None
        )
    for bad in (None, 0, 50_001):
        with pytest.raises(AidRefused) as refused:
            claim(ClaimStatus.APPROVED).advance(
                ClaimStatus.PAID, actor=OPS, at=T0, note="", paid_cents=bad
            )
        assert refused.value.code == "bad_payment"
    with pytest.raises(AidRefused):
        claim().advance(ClaimStatus.IN_REVIEW, actor=OPS, at=T0, note="", paid_cents=10)


def test_a_request_is_assigned_handed_on_and_closed_with_what_was_done() -> None:
    r = request()
    r.advance(SupportStatus.ASSIGNED, actor=OPS, at=T0, note="", assignee="usr_ops")
    r.advance(SupportStatus.ASSIGNED, actor=OPS, at=T0, note="a counsellor", assignee="usr_2")
    assert r.assigned_to == "usr_2"
    with pytest.raises(AidRefused) as refused:
        r.advance(SupportStatus.CLOSED, actor=OPS, at=T0, note="", assignee=None)
    assert refused.value.code == "reason_required"
    r.advance(SupportStatus.CLOSED, actor=OPS, at=T0, note="two sessions", assignee=None)
    with pytest.raises(AidRefused) as closed:
        r.advance(SupportStatus.ASSIGNED, actor=OPS, at=T0, note="", assignee="usr_ops")
    assert closed.value.code == "bad_support_step"
    assert [s.status for s in r.steps] == ["assigned", "assigned", "closed"]


def test_an_assignment_names_someone() -> None:
    with pytest.raises(AidRefused) as refused:
        request().advance(SupportStatus.ASSIGNED, actor=OPS, at=T0, note="", assignee=None)
    assert refused.value.code == "assignee_required"
