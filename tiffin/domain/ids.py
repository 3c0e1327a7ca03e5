"""Identifiers: short, sortable-enough, readable in logs (``ord_3f9a...``)."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """A fresh identifier with a type prefix, e.g. ``new_id("ord")`` -> ``ord_5c1e0f3a9b2d4e6f``."""
    return f"{prefix}_{secrets.token_hex(8)}"
