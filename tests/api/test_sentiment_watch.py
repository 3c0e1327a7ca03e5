"""The sentiment watch and closing the loop, through the API and the outbox."""

from __future__ import annotations

from sqlalchemy import select

from tests.api.helpers import delivered
from tests.conftest import World
from tiffin.store import tables


def _complain(world: World, n: int, note: str) -> list[str]:
    ids = []
    for i in range(n):
        order = delivered(world, f"w-{i}")
        r = world.client.post(
            f"/v1/orders/{order['id']}/problems",
            json={"problem": "missing", "note": note},
            headers=world.auth("student1"),
        )
        assert r.status_code == 201, r.json()
        ids.append(r.json()["id"])
    return ids


def test_a_wave_of_negative_reports_during_an_incident_raises_one_notice_attached_to_it(
    world: World,
) -> None:
    c, ops = world.client, world.auth("ops")
    incident = c.post(
        "/v1/incidents",
        json={"title": "Kitchens slow", "components": {"dispatch": "minor"}, "message": "x"},
        headers=ops,
    ).json()
    _complain(world, 3, "汤洒了，饭也凉了，太差了")
    world.drain()
    world.drain()  # a second pass labels and counts nothing twice
    with world.platform.uow(read_only=True) as uow:
        r = tables.sentiment_records.c
        labels = uow.conn.execute(select(r.label, r.topics)).all()
        notices = (
            uow.conn.execute(
                select(tables.operator_notices.c.text).where(
                    tables.operator_notices.c.kind == "sentiment_spike"
                )
            )
            .scalars()
            .all()
        )
    assert [label for label, _ in labels] == ["negative"] * 3
    assert all("cold" in topics for _, topics in labels)
    page = c.get("/v1/sentiment/waves?limit=100", headers=ops).json()
    keys = {(w["dimension"], w["key"]) for w in page["items"]}
    assert ("topic", "cold") in keys and any(d == "merchant" for d, _ in keys)
    assert {w["incident_id"] for w in page["items"]} == {incident["id"]}
    assert len(notices) == len(page["items"])  # one notice per wave
    assert c.get("/v1/sentiment/waves", headers=world.auth("student1")).status_code == 403
    assert c.get("/v1/sentiment/waves?limit=101", headers=ops).status_code == 422


def test_a_customer_is_told_what_their_complaint_changed_once(world: World) -> None:
    world.seed("city")
    c, ops = world.client, world.auth("ops")
    [aid] = _complain(world, 1, "少了一份汤")
    body = {"change": "merchant_charged", "detail": ""}
    assert (
        c.post(
            f"/v1/anomalies/{aid}/changes", json=body, headers=world.auth("ops@city")
        ).status_code
        == 404
    )
    assert (
        c.post(
            f"/v1/anomalies/{aid}/changes", json=body, headers=world.auth("student1")
        ).status_code
        == 403
    )
    first = c.post(f"/v1/anomalies/{aid}/changes", json=body, headers=ops)
    assert first.status_code == 201 and first.json()["told"], first.json()
    again = c.post(f"/v1/anomalies/{aid}/changes", json=body, headers=ops)
    assert again.json() == first.json() | {"told": False}
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert sum("扣款" in m["body"] for m in inbox) == 1
    bad = c.post(f"/v1/anomalies/{aid}/changes", json={"change": "fired"}, headers=ops)
    assert bad.status_code == 422 and bad.json()["code"]
