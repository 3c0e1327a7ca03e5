"""Placement from checkout's read copies, through the API: a change made anywhere reaches the
next order, and a catalog that keeps changing gets a clear 409 rather than a wrong order."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.api.helpers import count_rows, menu, place
from tests.conftest import World
from tiffin.errors import CatalogChanged
from tiffin.ordering.checkout_cache import CheckoutCatalog
from tiffin.store import tables


def test_a_price_changed_by_another_writer_prices_the_next_order(world: World) -> None:
    first = place(world, key="copy-1")
    assert first.status_code == 201
    with world.platform.db.engine.begin() as conn:  # not through this process's API
        conn.execute(text("UPDATE menu_items SET price_cents = price_cents + 100"))
    second = place(world, key="copy-2")
    assert second.status_code == 201
    before = first.json()["lines"][0]["unit_price_cents"]
    assert second.json()["lines"][0]["unit_price_cents"] == before + 100


def test_a_catalog_that_keeps_changing_is_a_409_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant_id, items = menu(world)
    attempts: list[int] = []

    def always_stale(self: CheckoutCatalog, *_: Any) -> Any:
        attempts.append(1)
        raise CatalogChanged("the catalog changed while it was read; please try again")

    monkeypatch.setattr(CheckoutCatalog, "for_order", always_stale)
    body = {"merchant_id": merchant_id, "items": [{"item_id": items[0]["id"], "quantity": 1}]}
    headers = {**world.auth("student1"), "Idempotency-Key": "copy-3"}
    answer = world.client.post("/v1/orders", json=body, headers=headers)
    assert answer.status_code == 409 and answer.json()["code"] == "catalog_changed"
    assert len(attempts) == 3
    assert count_rows(world, tables.orders) == 0
    assert count_rows(world, tables.idempotency_keys) == 0
