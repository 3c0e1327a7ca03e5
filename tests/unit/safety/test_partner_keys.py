"""A partner key lives until it is revoked or its rotation grace runs out; only its hash is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiffin.safety.partners.keys import PartnerKey, Scope, token_hash

T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def key(**kw: object) -> PartnerKey:
    base: dict[str, object] = {
        "id": "pky1",
        "partner_id": "prt1",
        "scopes": (Scope.RISK_MAP_READ,),
        "created_at": T0,
        "expires_at": None,
        "revoked_at": None,
        "replaced_by": None,
    }
    return PartnerKey(**(base | kw))  # type: ignore[arg-type]


def test_a_fresh_key_lives() -> None:
    assert key().live(T0 + timedelta(days=400))


def test_a_rotated_key_lives_through_its_grace_only() -> None:
    rotated = key(expires_at=T0 + timedelta(minutes=30), replaced_by="pky2")
    assert rotated.live(T0 + timedelta(minutes=29))
    assert not rotated.live(T0 + timedelta(minutes=30))


def test_a_revoked_key_is_dead_from_then_on() -> None:
    revoked = key(revoked_at=T0)
    assert not revoked.live(T0) and revoked.live(T0 - timedelta(seconds=1))


def test_the_hash_is_sha256_hex_and_differs_per_token() -> None:
    h = token_hash("tfp_a")
    assert len(h) == 64 and h != token_hash("tfp_b") and "tfp_a" not in h
