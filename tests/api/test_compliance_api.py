"""Compliance through the API: a platform cancellation charges the platform and refunds the
customer; the false-promotion check passes honest orders and names a doctored one; a merchant
disputes a charge and, upheld, the ledger moves it; every endpoint closed to the wrong party."""

from __future__ import annotations

from sqlalchemy import update

from tests.api.helpers import delivered, merchant_of, place
from tests.conftest import World
from tiffin.care import ledger
from tiffin.store import tables


def test_a_platform_cancellation_charges_the_platform_and_refunds(world: World) -> None:
    c = world.client
    order = place(world, key="pc-1").json()
    cancel = c.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "the kitchen system is down"},
        headers=world.auth("ops"),
    )
    assert cancel.status_code == 200, cancel.json()
    world.drain()
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    [grant] = wallet["grants"]
    assert grant["liable"] == "platform" and grant["payer"].startswith("platform:")
    assert grant["refund_cents"] == order["total_cents"]
    checks = c.get(f"/v1/compliance/orders/{order['id']}/checks", headers=world.auth("ops"))
    assert checks.status_code == 200
    body = checks.json()
    assert body["refund_owed"] is True and body["ended_by"] == "operator"
    assert body["findings"] == []


def test_the_false_promotion_check_names_a_doctored_order(world: World) -> None:
    order = place(world, key="fp-1").json()
    path = f"/v1/compliance/orders/{order['id']}/checks"
    assert world.client.get(path, headers=world.auth("ops")).json()["findings"] == []
    with world.platform.uow() as uow:
        o = tables.orders.c
        uow.conn.execute(update(tables.orders).where(o.id == order["id"]).values(discount_cents=99))
        uow.commit()
    findings = world.client.get(path, headers=world.auth("ops")).json()["findings"]
    assert findings == ["discount_without_coupon"]


def test_an_upheld_dispute_recharges_the_ledger_once(world: World) -> None:
    c = world.client
    order = delivered(world, "dsp-1")
    world.drain()
    problem = {"problem": "missing", "note": "no drink"}
    anomaly = c.post(
        f"/v1/orders/{order['id']}/problems", json=problem, headers=world.auth("student1")
    ).json()["id"]
    canteen = merchant_of(world, order)
    other = next(w for w in world.tokens if w.startswith("canteen") and w != canteen)
    body = {"anomaly_id": anomaly, "reason": "the drink was in the bag: see the seal photo"}
    assert (
        c.post("/v1/compliance/disputes", json=body, headers=world.auth(other)).status_code == 404
    )
    assert (
        c.post("/v1/compliance/disputes", json=body, headers=world.auth("student1")).status_code
        == 403
    )
    opened = c.post("/v1/compliance/disputes", json=body, headers=world.auth(canteen))
    assert opened.status_code == 201 and opened.json()["was_liable"] == "merchant"
    dispute = opened.json()["id"]
    again = c.post("/v1/compliance/disputes", json=body, headers=world.auth(canteen))
    assert again.status_code == 409 and again.json()["code"] == "already_disputed"
    assert len(c.get("/v1/compliance/disputes", headers=world.auth(canteen)).json()) == 1
    assert c.get("/v1/compliance/disputes", headers=world.auth(other)).json() == []
    assert c.get(f"/v1/compliance/disputes/{dispute}", headers=world.auth(other)).status_code == 404
    merchant_account = f"merchant:{order['merchant_id']}"
    with world.platform.uow() as uow:
        charged = ledger.balance(uow, merchant_account)
    assert charged < 0
    decision = {"outcome": "upheld", "liable": "platform", "note": "seal intact on the photo"}
    path = f"/v1/compliance/disputes/{dispute}/decide"
    assert c.post(path, json=decision, headers=world.auth(canteen)).status_code == 403
    decided = c.post(path, json=decision, headers=world.auth("ops"))
    assert decided.status_code == 200
    assert decided.json()["status"] == "upheld"
    assert decided.json()["recharged_cents"] == -charged
    assert c.post(path, json=decision, headers=world.auth("ops")).json()["code"] == (
        "already_decided"
    )
    with world.platform.uow() as uow:
        assert ledger.balance(uow, merchant_account) == 0
        [tenant] = uow.conn.execute(tables.tenants.select()).all()
        assert ledger.balance(uow, f"platform:{tenant.id}:care") == charged
    wallet = c.get("/v1/me/wallet", headers=world.auth("student1")).json()
    assert wallet["grants"][0]["liable"] == "platform"
    world.seed("town")
    assert (
        c.get(f"/v1/compliance/disputes/{dispute}", headers=world.auth("ops@town")).status_code
        == 404
    )
    rules = c.get("/v1/compliance/liability-rules", headers=world.auth(canteen)).json()
    assert {r["liable"] for r in rules} == {
        "merchant",
        "rider",
        "platform",
        "customer",
        "force_majeure",
    }
