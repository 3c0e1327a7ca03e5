"""The examples in the OpenAPI document are real answers: recorded here, and checked for drift.

Each run drives the main calls (place, replay, accept, offer, deliver, report a problem, open an
incident) and compares what the API answers now with ``tiffin/api/examples/<operation id>.json``:
same fields, same JSON types, same status values and problem codes. After a deliberate change
of an answer, record them again:

    TIFFIN_RECORD_EXAMPLES=1 python -m pytest tests/api/test_api_examples.py -k sqlite
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.api.helpers import ON_CAMPUS, menu, merchant_of
from tests.conftest import World
from tiffin.api.openapi import EXAMPLES_DIR

RECORD = os.environ.get("TIFFIN_RECORD_EXAMPLES") == "1"
# Values compared exactly (not only their type): they name states and refusals.
EXACT = {"status", "code", "action", "outcome", "state", "title", "type"}


def _exchange(
    recorded: dict[str, dict[str, Any]],
    operation: str,
    answer: Any,
    request: Any = None,
) -> Any:
    entry = recorded.setdefault(operation, {"request": request, "responses": {}})
    if request is not None:
        entry["request"] = request
    entry["responses"][str(answer.status_code)] = answer.json()
    return answer.json()


def _drive(world: World) -> dict[str, dict[str, Any]]:
    """One order's main steps, an incident and a problem report, as a client sends them."""
    c, recorded = world.client, {}
    merchant_id, items = menu(world)
    order_body = {
        "merchant_id": merchant_id,
        "items": [{"item_id": items[0]["id"], "quantity": 2}],
        "dropoff_note": "Dorm 3, ring twice",
    }
    key = {**world.auth("student1"), "Idempotency-Key": "lunch-1"}
    placed = c.post("/v1/orders", json=order_body, headers=key)
    order = _exchange(recorded, "orders_place", placed, order_body)
    reused = c.post("/v1/orders", json={**order_body, "dropoff_note": "elsewhere"}, headers=key)
    _exchange(recorded, "orders_place", reused)
    oid, canteen = order["id"], merchant_of(world, order)
    _exchange(
        recorded, "orders_accept", c.post(f"/v1/orders/{oid}/accept", headers=world.auth(canteen))
    )
    c.post("/v1/riders/me/shift/start", json=ON_CAMPUS, headers=world.auth("rider1"))
    offer_body = {"rider_id": world.subjects["rider1"]}
    offered = c.post(f"/v1/orders/{oid}/offers", json=offer_body, headers=world.auth("ops"))
    offer = _exchange(recorded, "orders_offer", offered, offer_body)
    _exchange(
        recorded,
        "offers_accept",
        c.post(f"/v1/offers/{offer['id']}/accept", headers=world.auth("rider1")),
    )
    c.post(f"/v1/orders/{oid}/ready", headers=world.auth(canteen))
    c.post(f"/v1/orders/{oid}/pickup", headers=world.auth("rider1"))
    delivered = c.post(f"/v1/orders/{oid}/deliver", headers=world.auth("rider1"))
    _exchange(recorded, "orders_deliver", delivered)
    world.drain()
    problem_body = {"problem": "missing", "note": "the soup was not in the bag"}
    reported = c.post(
        f"/v1/orders/{oid}/problems", json=problem_body, headers=world.auth("student1")
    )
    _exchange(recorded, "anomalies_report_problem", reported, problem_body)
    started = world.platform.clock.now() - timedelta(minutes=5)
    incident_body = {
        "title": "Dispatch delays on campus",
        "components": {"dispatch": "major"},
        "message": "Riders are not receiving offers; we are investigating.",
        "started_at": started.isoformat(),
    }
    opened = c.post("/v1/incidents", json=incident_body, headers=world.auth("ops"))
    _exchange(recorded, "incidents_open", opened, incident_body)
    return recorded


def _shape(value: Any, key: str = "") -> Any:
    """What must not drift: the fields, their JSON types, and the values in ``EXACT``."""
    if isinstance(value, dict):
        return {k: _shape(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    if key in EXACT:
        return value
    return type(value).__name__


def test_recorded_examples_are_what_the_api_answers_now(world: World) -> None:
    recorded = _drive(world)
    assert set(recorded["orders_place"]["responses"]) == {"201", "422"}
    assert recorded["orders_place"]["responses"]["422"]["code"] == "idempotency_key_reused"
    drifted = []
    for operation, exchange in recorded.items():
        path = EXAMPLES_DIR / f"{operation}.json"
        if RECORD:
            path.write_text(json.dumps(exchange, indent=2, ensure_ascii=False) + "\n")
            continue
        stored = json.loads(path.read_text()) if path.exists() else None
        if stored is None or _shape(stored) != _shape(exchange):
            drifted.append(operation)
    assert drifted == [], (
        f"the examples of {drifted} differ from what the API answers now: if the change is "
        "deliberate, record them again (TIFFIN_RECORD_EXAMPLES=1, see this module's docstring)"
    )


def test_the_document_carries_the_recorded_examples(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    place = paths["/v1/orders"]["post"]
    stored = json.loads(Path(EXAMPLES_DIR / "orders_place.json").read_text())
    assert place["requestBody"]["content"]["application/json"]["example"] == stored["request"]
    created = place["responses"]["201"]["content"]["application/json"]["example"]
    assert created == stored["responses"]["201"]
    refused = place["responses"]["422"]["content"]["application/problem+json"]["example"]
    assert refused["code"] == "idempotency_key_reused"
    incident = paths["/v1/incidents"]["post"]["responses"]["201"]["content"]
    assert incident["application/json"]["example"]["title"] == "Dispatch delays on campus"
