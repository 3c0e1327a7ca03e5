"""Status-page webhooks cannot be aimed inside the network, fanned out, or slow customers down
(issue 20, finding 1)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.helpers import count_rows
from tests.conftest import World
from tests.providers import Provider
from tiffin.resilience import outbound
from tiffin.store import tables

SUBSCRIBE = "/v1/status/subscriptions"


def _hook(url: str, component: str = "ordering") -> dict[str, str]:
    return {"component": component, "channel": "webhook", "address": url}


def _incident(world: World, components: dict[str, str] | None = None) -> None:
    answer = world.client.post(
        "/v1/incidents",
        json={
            "title": "Ordering is slow",
            "components": components or {"ordering": "minor"},
            "message": "Looking into it.",
        },
        headers=world.auth("ops"),
    )
    assert answer.status_code == 201, answer.json()


def _attempts(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(read_only=True) as uow:
        query = select(tables.notification_attempts).order_by(tables.notification_attempts.c.id)
        return [dict(r) for r in uow.conn.execute(query).mappings()]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8199/internal/admin?delete=all",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[::1]:22/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://10.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://user:pass@example.com/",
        "http://metadata.google.internal.invalid/",
    ],
)
def test_any_role_is_refused_a_webhook_into_the_network(world: World, url: str) -> None:
    for who in ("rider1", "student1", "ops"):
        answer = world.client.post(SUBSCRIBE, json=_hook(url), headers=world.auth(who))
        assert answer.status_code == 422, answer.json()
        assert answer.json()["code"] in {"unsafe_destination", "bad_address", "unresolvable_host"}
        assert answer.json()["detail"]
    assert count_rows(world, tables.status_subscribers) == 0


def test_subscriptions_are_capped_per_person_and_not_across_people(world: World) -> None:
    cap = world.platform.settings.max_subscriptions_per_person
    email = {"component": "ordering", "channel": "email"}
    for n in range(cap):
        answer = world.client.post(
            SUBSCRIBE, json={**email, "address": f"me{n}@x.test"}, headers=world.auth("rider1")
        )
        assert answer.status_code == 201
    again = world.client.post(  # the same subscription again is not a new one
        SUBSCRIBE, json={**email, "address": "me0@x.test"}, headers=world.auth("rider1")
    )
    assert again.status_code == 201
    over = world.client.post(
        SUBSCRIBE, json={**email, "address": "more@x.test"}, headers=world.auth("rider1")
    )
    assert over.status_code == 409 and over.json()["code"] == "too_many_subscriptions"
    other = world.client.post(
        SUBSCRIBE, json={**email, "address": "more@x.test"}, headers=world.auth("rider2")
    )
    assert other.status_code == 201
    assert count_rows(world, tables.status_subscribers) == cap + 1
    anonymous = world.client.post(SUBSCRIBE, json={**email, "address": "a@x.test"})
    assert anonymous.status_code == 401


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[list[str]]]]:
    """A resolver the test scripts: each name answers its lists in turn (the last one sticks)."""
    answers: dict[str, list[list[str]]] = {}

    def resolve(host: str, port: int) -> list[str]:
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    monkeypatch.setattr(outbound, "resolve", resolve)
    yield answers


def test_a_name_that_rebinds_to_a_private_address_is_refused_at_send_time(
    world: World, provider: Provider, dns: dict[str, list[list[str]]]
) -> None:
    port = provider.url.split(":")[2].split("/")[0]
    dns["rebind.test"] = [["93.184.216.34"], ["127.0.0.1"]]
    answer = world.client.post(
        SUBSCRIBE, json=_hook(f"http://rebind.test:{port}/send"), headers=world.auth("ops")
    )
    assert answer.status_code == 201
    _incident(world)
    world.platform.webhook_sender().run_until_idle()
    assert provider.calls == []
    assert _attempts(world) and all("refused" in a["error"] for a in _attempts(world))


def test_a_send_connects_to_the_address_it_checked_with_the_name_as_host(
    world: World, provider: Provider, dns: dict[str, list[list[str]]]
) -> None:
    world.platform.settings.allow_private_webhooks = True  # test only: the provider is local
    port = provider.url.split(":")[2].split("/")[0]
    dns["hooks.test"] = [["127.0.0.1"]]
    url = f"http://hooks.test:{port}/send"
    assert (
        world.client.post(SUBSCRIBE, json=_hook(url), headers=world.auth("ops")).status_code == 201
    )
    _incident(world)
    world.platform.webhook_sender().run_until_idle()
    assert len(provider.calls) == 1 and provider.calls[0]["title"].endswith(
        "[investigating] Ordering is slow"
    )  # zh-CN, then en


def test_a_webhook_that_never_answers_does_not_hold_up_customer_messages(
    world: World,
) -> None:
    world.platform.settings.allow_private_webhooks = True  # test only: the sink is local
    world.platform.settings.webhook_timeout_seconds = 0.5
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(200)  # accepts connections, never reads or answers
    url = f"http://127.0.0.1:{sink.getsockname()[1]}/hook"
    try:
        for who in ("ops", "rider1", "rider2", "canteen1"):
            answer = world.client.post(SUBSCRIBE, json=_hook(url), headers=world.auth(who))
            assert answer.status_code == 201
        _incident(world)
        customers = world.client.post(
            SUBSCRIBE,
            json={"component": "ordering", "channel": "email", "address": "s1@campus.test"},
            headers=world.auth("student1"),
        )
        assert customers.status_code == 201
        _incident(world)
        began = time.perf_counter()
        world.platform.notification_sender().run_until_idle()
        customer_seconds = time.perf_counter() - began
        with world.platform.uow(read_only=True) as uow:
            n = tables.notifications.c
            waiting = (
                uow.conn.execute(select(n.status).where(n.address.like("http%"))).scalars().all()
            )
        assert waiting and set(waiting) == {"pending"}  # untouched by the customer lane
        assert customer_seconds < 0.5
        began = time.perf_counter()
        world.platform.webhook_sender().run_once()
        assert 0.4 < time.perf_counter() - began < 3  # the short timeout, in parallel
        assert {a["ok"] for a in _attempts(world) if a["channel"] == "webhook"} == {False}
    finally:
        sink.close()


def test_a_redirect_is_a_failed_attempt_never_followed(world: World, provider: Provider) -> None:
    world.platform.settings.allow_private_webhooks = True  # test only: both servers are local

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(302)
            self.send_header("Location", provider.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        assert world.client.post(SUBSCRIBE, json=_hook(url), headers=world.auth("ops")).is_success
        _incident(world)
        world.platform.webhook_sender().run_once()
        assert provider.calls == []
        assert [a["status_code"] for a in _attempts(world)] == [302]
    finally:
        server.shutdown()
