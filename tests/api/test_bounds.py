"""Bounded resources (issue 20, finding 6): request bodies, pages of every list, menu size, and
the server's options against slow clients."""

from __future__ import annotations

import asyncio

import pytest
import uvicorn
from sqlalchemy import insert
from starlette.types import Message

from tests.conftest import World
from tiffin.api.guards import server_options
from tiffin.catalog.limits import MAX_MENU_ITEMS
from tiffin.domain.ids import new_id
from tiffin.store import tables

LOGIN = "/v1/auth/login"


def test_a_body_over_the_limit_is_refused_before_it_is_read(world: World) -> None:
    c = world.client
    big = b'{"tenant": "campus", "email": "' + b"a" * (65 * 1024) + b'"}'
    answer = c.post(LOGIN, content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "body_too_large" and "65536" in answer.json()["detail"]

    read, sent = stream_to(world, chunks=200, size=4096)  # no Content-Length: chunked
    assert sent[0]["status"] == 413 and b"body_too_large" in sent[1]["body"]
    assert read <= 17  # it stopped reading just past 64 KiB, not at the 800 KiB end
    small = c.post(LOGIN, json={"tenant": "campus", "email": "a@b.cd", "password": "x"})
    assert small.status_code == 401


def stream_to(
    world: World, *, chunks: int, size: int, path: str = LOGIN
) -> tuple[int, list[Message]]:
    """POST a chunked body to the app, straight through ASGI (the test client would buffer it):
    how many chunks the app read, and what it sent back."""
    app = world.client.app
    read = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b" " * size, "more_body": read < chunks}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    return read, sent


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/v1/merchants", "student1"),
        ("/v1/riders", "ops"),
        ("/v1/risk-zones", "ops"),
        ("/v1/care/call-list", "ops"),
        ("/v1/care/notices", "ops"),
        ("/v1/care/report", "ops"),
        ("/v1/anomalies", "ops"),
        ("/v1/incidents", "ops"),
        ("/v1/orders", "student1"),
        ("/v1/me/inbox", "student1"),
        ("/v1/me/notifications", "student1"),
        ("/v1/me/anomalies", "student1"),
        ("/v1/riders/me/offers", "rider1"),
        ("/v1/account-reviews", "ops"),
        ("/v1/anomaly-waves", "ops"),
    ],
)
def test_every_list_takes_a_bounded_page(world: World, path: str, who: str) -> None:
    c, auth = world.client, world.auth(who)
    assert c.get(f"{path}?limit=100&offset=0", headers=auth).status_code == 200
    for bad in ("limit=101", "limit=0", "offset=-1", "limit=many"):
        answer = c.get(f"{path}?{bad}", headers=auth)
        assert answer.status_code == 422, (path, bad)
        assert answer.json()["code"] == "validation_error" and answer.json()["detail"]


def test_merchants_and_riders_come_in_pages_with_a_next_link(world: World) -> None:
    c = world.client
    for path, who, total in (("/v1/merchants", "student1", 3), ("/v1/riders", "ops", 4)):
        seen: list[str] = []
        url: str | None = f"{path}?limit=2"
        while url is not None:
            page = c.get(url, headers=world.auth(who))
            assert len(page.json()) <= 2
            seen += [x["id"] for x in page.json()]
            link = page.headers.get("link")
            url = link.split(";")[0].strip("<>") if link else None
        assert len(seen) == len(set(seen)) == total


def test_a_menu_holds_at_most_its_cap(world: World) -> None:
    merchant_id = world.subjects["canteen1"]
    with world.platform.uow() as uow:
        uow.conn.execute(
            insert(tables.menu_items),
            [
                {
                    "id": new_id("itm"),
                    "merchant_id": merchant_id,
                    "name": f"Dish {n}",
                    "price_cents": 500,
                    "available": True,
                }
                for n in range(MAX_MENU_ITEMS - 4)  # the demo menu has three items already
            ],
        )
        uow.commit()
    c, owner = world.client, world.auth("canteen1")
    item = {"name": "One more", "price_cents": 700}
    assert c.post("/v1/merchants/me/menu", json=item, headers=owner).status_code == 201
    full = c.post("/v1/merchants/me/menu", json=item, headers=owner)
    assert full.status_code == 409 and full.json()["code"] == "menu_full"
    assert str(MAX_MENU_ITEMS) in full.json()["detail"]


def test_the_server_drops_idle_and_oversized_clients() -> None:
    options = server_options(concurrency=1000)
    assert options["timeout_keep_alive"] <= 5
    assert options["h11_max_incomplete_event_size"] <= 16 * 1024
    assert options["limit_concurrency"] == 1000
    config = uvicorn.Config("tiffin.api.app:create_app", **options)  # uvicorn knows them all
    assert config.timeout_keep_alive == options["timeout_keep_alive"]
