"""How an order changed hands at the door (pure).

A customer may ask for contactless delivery (无接触配送) when ordering, and a closed high-risk
zone forces it on every order addressed inside. Then nobody hands anything over: the rider
leaves the food and proves the drop with the order's **drop-off code** (six digits, generated at
placement and shown only to the customer, who reads it out by phone or through a window) or,
when the customer cannot be reached, a **photo reference** (the id of the picture the rider app
uploaded), kept on the order for a later dispute.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

CODE_DIGITS = 6


class Handover(StrEnum):
    """How the food left the rider's hands."""

    IN_PERSON = "in_person"
    CODE = "code"  # contactless, proved with the customer's drop-off code
    PHOTO = "photo"  # contactless, proved with a photo reference
    BY_PLATFORM = "by_platform"  # an operator (or the system) recorded the delivery


class HandoverRefused(Exception):
    """The rider's proof does not allow the delivery; ``code`` says why."""

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


@dataclass(frozen=True, slots=True)
class DropoffProof:
    """What the rider gives at the door: the code the customer read out, a photo reference,
    or nothing (a hand-over in person)."""

    code: str | None = None
    photo_ref: str | None = None


NO_PROOF = DropoffProof()


def new_dropoff_code() -> str:
    """Six random digits (one guess in a million; guesses are also rate-limited)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def judge(
    proof: DropoffProof, *, expected_code: str, contactless: bool, by_rider: bool
) -> Handover:
    """How the order is handed over, or ``HandoverRefused``.

    A code, when given, must be the order's (compared in constant time); a contactless drop
    needs the code or a photo reference; the platform may record a delivery without either
    (it answers for it, and the transition names who did it)."""
    if not by_rider:
        return Handover.BY_PLATFORM
    if proof.code is not None:
        if not expected_code or not hmac.compare_digest(proof.code, expected_code):
            raise HandoverRefused(
                "that is not this order's drop-off code; ask the customer again or leave the "
                "order and give a photo reference",
                code="wrong_dropoff_code",
            )
        return Handover.CODE
    if proof.photo_ref is not None:
        return Handover.PHOTO
    if contactless:
        raise HandoverRefused(
            "this is a contactless delivery: give the customer's drop-off code or a photo "
            "reference of the order where you left it",
            code="dropoff_proof_required",
        )
    return Handover.IN_PERSON
