"""Statements through the API: draft from facts, edit, publish everywhere, every version kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.api.helpers import place
from tests.conftest import World
from tests.providers import Provider
from tiffin.store import tables


def _incident(world: World) -> dict[str, Any]:
    body = {
        "title": "Dispatch has stalled",
        "components": {"dispatch": "major"},
        "message": "Riders get no offers; rolling back the offer service.",
    }
    r = world.client.post("/v1/incidents", json=body, headers=world.auth("ops"))
    assert r.status_code == 201, r.json()
    return r.json()


def test_a_statement_is_drafted_edited_and_published_with_every_version_kept(
    world: World, provider: Provider
) -> None:
    c, ops = world.client, world.auth("ops")
    world.platform.settings.allow_private_webhooks = True  # the provider listens on 127.0.0.1
    hook = {"component": "dispatch", "channel": "webhook", "address": provider.url}
    assert c.post("/v1/status/subscriptions", json=hook, headers=ops).status_code == 201
    assert place(world, key="in-flight").status_code == 201
    incident = _incident(world)

    drafted = c.post(f"/v1/incidents/{incident['id']}/statements", headers=ops)
    assert drafted.status_code == 201, drafted.json()
    statement = drafted.json()
    [first] = statement["versions"]
    assert "rolling back the offer service" in first["texts"]["en"]["body"]
    assert "rolling back the offer service" in first["texts"]["zh-CN"]["body"]
    assert first["facts"]["affected_orders"] >= 0

    words = {
        "zh-CN": {"title": "关于调度故障的说明", "body": "调度故障，我们正在回滚。"},
        "en": {"title": "About the dispatch fault", "body": "Dispatch failed; rolling back."},
    }
    edited = c.post(f"/v1/statements/{statement['id']}/versions", json=words, headers=ops)
    assert edited.status_code == 201
    assert [v["version"] for v in edited.json()["versions"]] == [2, 1]

    published = c.post(f"/v1/statements/{statement['id']}/versions/2/publish", headers=ops)
    assert published.status_code == 200, published.json()
    assert published.json()["inboxes"] == 1  # student1, told at the opening: order in flight
    inbox = c.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert any(m["title"] == "关于调度故障的说明" for m in inbox)  # student1 reads Chinese
    with world.platform.uow(read_only=True) as uow:
        u = tables.incident_updates.c
        page = (
            uow.conn.execute(
                select(u.message).where(u.incident_id == incident["id"]).order_by(u.id.desc())
            )
            .scalars()
            .first()
        )
        n = tables.notifications.c
        lanes = (
            uow.conn.execute(
                select(n.channels).where(n.incident_id == incident["id"], n.address == provider.url)
            )
            .scalars()
            .all()
        )
    assert page is not None and "Dispatch failed; rolling back." in page and "调度故障" in page
    assert len(lanes) == 2  # the webhook lane heard the opening and the statement

    again = c.post(f"/v1/statements/{statement['id']}/versions/2/publish", headers=ops)
    assert again.status_code == 409 and again.json()["code"] == "already_published"
    kept = c.get(f"/v1/statements/{statement['id']}", headers=ops).json()["versions"]
    assert [(v["version"], v["published_at"] is not None) for v in kept] == [(2, True), (1, False)]


def test_statements_are_for_operators_of_the_incidents_tenant(world: World) -> None:
    world.seed("city")
    incident = _incident(world)
    c = world.client
    assert (
        c.post(f"/v1/incidents/{incident['id']}/statements", headers=world.auth("student1"))
    ).status_code == 403
    assert (
        c.post(f"/v1/incidents/{incident['id']}/statements", headers=world.auth("ops@city"))
    ).status_code == 404
    mine = c.post(f"/v1/incidents/{incident['id']}/statements", headers=world.auth("ops")).json()
    assert c.get(f"/v1/statements/{mine['id']}", headers=world.auth("ops@city")).status_code == 404


def test_bad_statement_words_are_refused_with_a_code(world: World) -> None:
    incident = _incident(world)
    ops = world.auth("ops")
    mine = world.client.post(f"/v1/incidents/{incident['id']}/statements", headers=ops).json()
    for body in (
        {"en": {"title": "t", "body": "b"}},  # no Chinese
        {"zh-CN": {"title": "t", "body": "b"}, "en": {"title": "t", "body": "x" * 4001}},
        {"zh-CN": {"title": "t", "body": "b"}, "en": {"title": "t", "body": "b"}, "fr": {}},
    ):
        r = world.client.post(f"/v1/statements/{mine['id']}/versions", json=body, headers=ops)
        assert r.status_code == 422 and r.json()["code"] and r.json()["detail"], r.json()
    missing = world.client.post(f"/v1/statements/{mine['id']}/versions/9/publish", headers=ops)
    assert missing.status_code == 404
