"""How an order changes hands: a contactless drop needs the customer's code or a photo."""

from __future__ import annotations

import pytest

from tiffin.domain.handover import (
    NO_PROOF,
    DropoffProof,
    Handover,
    HandoverRefused,
    judge,
    new_dropoff_code,
)


def test_codes_are_six_digits_and_vary() -> None:
    codes = {new_dropoff_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190  # a million possibilities: repeats are rare


@pytest.mark.parametrize(
    ("proof", "contactless", "expected"),
    [
        (NO_PROOF, False, Handover.IN_PERSON),
        (DropoffProof(code="123456"), False, Handover.CODE),
        (DropoffProof(code="123456"), True, Handover.CODE),
        (DropoffProof(photo_ref="p1"), True, Handover.PHOTO),
        (DropoffProof(code="123456", photo_ref="p1"), True, Handover.CODE),
    ],
)
def test_a_rider_proves_the_drop(
    proof: DropoffProof, contactless: bool, expected: Handover
) -> None:
    assert judge(proof, expected_code="123456", contactless=contactless, by_rider=True) is expected


@pytest.mark.parametrize(
    ("proof", "expected_code", "code"),
    [
        (NO_PROOF, "123456", "dropoff_proof_required"),
        (DropoffProof(code="654321"), "123456", "wrong_dropoff_code"),
        (DropoffProof(code="654321", photo_ref="p1"), "123456", "wrong_dropoff_code"),
        (DropoffProof(code=""), "", "wrong_dropoff_code"),  # an order from before codes
    ],
)
def test_a_rider_without_the_right_proof_is_refused(
    proof: DropoffProof, expected_code: str, code: str
) -> None:
    with pytest.raises(HandoverRefused) as refused:
        judge(proof, expected_code=expected_code, contactless=True, by_rider=True)
    assert refused.value.code == code


def test_the_platform_records_a_delivery_without_proof() -> None:
    assert judge(NO_PROOF, expected_code="1", contactless=True, by_rider=False) is (
        Handover.BY_PLATFORM
    )
