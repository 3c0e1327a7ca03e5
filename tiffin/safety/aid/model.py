"""Rider aid, pure: insurance claims and counselling or support requests move through fixed
steps, each recorded with who took it, when and a note.

A claim is ``filed`` by the rider against the policy that covered them when it happened; an
operator takes it ``in_review``, then ``approved`` or ``rejected`` (a rejection says why), and an
approved claim is ``paid`` (with the amount paid, at most the amount claimed). A support request
is ``open`` until an operator takes it (``assigned``, to themselves or a colleague; it can be
handed on) and ``closed`` (with what was done).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tiffin.domain.principals import Actor


class AidRefused(Exception):
    """A step the flow does not allow, or a step without what it needs; ``code`` says which."""

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class ClaimKind(StrEnum):
    ACCIDENT = "accident"
    INJURY = "injury"
    ILLNESS = "illness"  # e.g. an infection caught at work in public-health mode
    PROPERTY = "property"  # the bike, the phone
    OTHER = "other"


class ClaimStatus(StrEnum):
    FILED = "filed"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


CLAIM_FLOW: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.FILED: frozenset({ClaimStatus.IN_REVIEW}),
    ClaimStatus.IN_REVIEW: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
    ClaimStatus.APPROVED: frozenset({ClaimStatus.PAID}),
    ClaimStatus.REJECTED: frozenset(),
    ClaimStatus.PAID: frozenset(),
}


class SupportKind(StrEnum):
    COUNSELLING = "counselling"  # 心理疏导
    MEDICAL = "medical"
    LEGAL = "legal"
    FINANCIAL = "financial"
    OTHER = "other"


class SupportStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    CLOSED = "closed"


SUPPORT_FLOW: dict[SupportStatus, frozenset[SupportStatus]] = {
    SupportStatus.OPEN: frozenset({SupportStatus.ASSIGNED, SupportStatus.CLOSED}),
    SupportStatus.ASSIGNED: frozenset({SupportStatus.ASSIGNED, SupportStatus.CLOSED}),
    SupportStatus.CLOSED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a case: the status it reached, who took it, when, and their note."""

    status: str
    actor: Actor
    at: datetime
    note: str


@dataclass
class Claim:
    id: str
    tenant_id: str
    rider_id: str
    policy_id: str
    policy: str  # "insurer number", as the rider knows it
    kind: ClaimKind
    incident_at: datetime
    description: str
    claimed_cents: int
    status: ClaimStatus
    filed_at: datetime
    updated_at: datetime
    paid_cents: int | None = None
    steps: list[Step] = field(default_factory=list)

    def advance(
        self, to: ClaimStatus, *, actor: Actor, at: datetime, note: str, paid_cents: int | None
    ) -> Step:
        """Take the claim to ``to`` if the flow allows it; returns the step to record."""
        if to not in CLAIM_FLOW[self.status]:
            raise AidRefused(
                f"a {self.status.value} claim cannot become {to.value}", code="bad_claim_step"
            )
        if to is ClaimStatus.REJECTED and not note.strip():
            raise AidRefused("say why the claim is rejected", code="reason_required")
        if to is ClaimStatus.PAID:
            if paid_cents is None or not 0 < paid_cents <= self.claimed_cents:
                raise AidRefused(
                    f"a payment lies between 0.01 and the {self.claimed_cents / 100:.2f} claimed",
                    code="bad_payment",
                )
            self.paid_cents = paid_cents
        elif paid_cents is not None:
            raise AidRefused("only a payment step has an amount", code="bad_payment")
        self.status, self.updated_at = to, at
        step = Step(to.value, actor, at, note)
        self.steps.append(step)
        return step


@dataclass
class SupportRequest:
    id: str
    tenant_id: str
    rider_id: str
    kind: SupportKind
    urgent: bool
    description: str
    status: SupportStatus
    filed_at: datetime
    updated_at: datetime
    assigned_to: str | None = None
    steps: list[Step] = field(default_factory=list)

    def advance(
        self, to: SupportStatus, *, actor: Actor, at: datetime, note: str, assignee: str | None
    ) -> Step:
        """Assign (``assignee`` is an operator's user id) or close (the note says what was
        done) if the flow allows it; returns the step to record."""
        if to not in SUPPORT_FLOW[self.status]:
            raise AidRefused(
                f"a {self.status.value} request cannot become {to.value}",
                code="bad_support_step",
            )
        if to is SupportStatus.ASSIGNED:
            if not assignee:
                raise AidRefused("say who takes the request", code="assignee_required")
            self.assigned_to = assignee
        elif not note.strip():
            raise AidRefused("say what was done before closing", code="reason_required")
        self.status, self.updated_at = to, at
        step = Step(to.value, actor, at, note)
        self.steps.append(step)
        return step
