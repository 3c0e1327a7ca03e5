"""The audit chain's pure rules: how an entry is hashed, how a checkpoint is signed, and how a
sequence of entries is verified — the same code for the database and for an exported file.

Each entry's hash is SHA-256 over its canonical JSON (sorted keys, no spaces) including the
previous entry's hash, so changing, deleting or reordering any entry breaks every hash after
it; the first break names the entry. Checkpoints sign (seq, hash) with Ed25519: whoever holds
the public key can check that the chain up to there is the one the platform wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

GENESIS = "0" * 64
HASHED = ("seq", "prev_hash", "at", "tenant_id", "kind", "actor", "subject", "data", "event_id")


def entry_hash(entry: Mapping[Any, Any]) -> str:
    """SHA-256 of the entry's hashed fields as canonical JSON."""
    body = {k: entry[k] for k in HASHED}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def checkpoint_message(seq: int, hash_: str) -> bytes:
    return f"tiffin-audit:{seq}:{hash_}".encode()


def private_key(hex_seed: str) -> Ed25519PrivateKey:
    """The signing key from its 32-byte seed in hex (the setting)."""
    try:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(hex_seed))
    except ValueError as exc:
        raise ValueError("the audit signing key must be 64 hex digits (an Ed25519 seed)") from exc


def public_hex(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def sign(key: Ed25519PrivateKey, seq: int, hash_: str) -> str:
    return key.sign(checkpoint_message(seq, hash_)).hex()


@dataclass(frozen=True)
class Broken:
    """The first entry (by position) where the chain does not hold, and why."""

    seq: int
    why: str


def verify(
    entries: Iterable[Mapping[Any, Any]],
    checkpoints: Iterable[Mapping[Any, Any]],
    *,
    public_key_hex: str | None,
    anchor: tuple[int, str] = (0, GENESIS),
) -> Broken | None:
    """Walk ``entries`` in order from ``anchor`` (the seq and hash before the first): each must
    follow the previous one and hash to what it says; each checkpoint must sign an entry's
    actual hash. Returns the first break, or None for an intact chain."""
    last_seq, last_hash = anchor
    hashes: dict[int, str] = {}
    for entry in entries:
        seq = int(entry["seq"])
        if seq != last_seq + 1:
            return Broken(last_seq + 1, f"entry {last_seq + 1} is missing (next is {seq})")
        if entry["prev_hash"] != last_hash:
            return Broken(seq, f"entry {seq} does not follow entry {last_seq} (previous hash)")
        if entry_hash(entry) != entry["hash"]:
            return Broken(seq, f"entry {seq} was changed (its content does not match its hash)")
        last_seq, last_hash = seq, str(entry["hash"])
        hashes[seq] = last_hash
    public = (
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        if public_key_hex
        else None
    )
    for cp in checkpoints:
        seq = int(cp["seq"])
        if seq in hashes and hashes[seq] != cp["hash"]:
            return Broken(seq, f"checkpoint at entry {seq} signed a different hash")
        if public is not None:
            try:
                public.verify(bytes.fromhex(cp["signature"]), checkpoint_message(seq, cp["hash"]))
            except (InvalidSignature, ValueError):
                return Broken(seq, f"checkpoint at entry {seq} has a bad signature")
    return None
