"""Concurrent requests that race for one unique key get the answer the serial path gives, never
a 500 (issue 20, finding 4). Meant for PostgreSQL, where writers really run at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from tests.api.helpers import delivered
from tests.conftest import World
from tiffin.resilience.ratelimit import RateLimits
from tiffin.store import tables

THREADS = 8


def _at_once(call: Callable[[], Any]) -> list[Any]:
    """Run ``call`` in THREADS threads released together; their answers."""
    start = threading.Barrier(THREADS)
    answers: list[Any] = []

    def run() -> None:
        start.wait()
        answers.append(call())

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def test_concurrent_identical_signups_make_one_account_and_no_500(world: World) -> None:
    world.platform.limits = RateLimits({"signup": "1000/minute"})
    body = {
        "tenant": "campus",
        "email": "race@campus.test",
        "password": "correct horse",
        "name": "Racer",
        "address": {"lat": 31.03, "lon": 121.44},
    }
    answers = _at_once(lambda: world.client.post("/v1/auth/customers", json=body))
    assert sorted(a.status_code for a in answers) == [202] * THREADS
    assert len({str(a.json()) for a in answers}) == 1
    with world.platform.uow(read_only=True) as uow:
        u = tables.users.c
        made = uow.conn.execute(select(func.count()).where(u.email == "race@campus.test"))
        assert made.scalar_one() == 1
        customers = uow.conn.execute(
            select(func.count())
            .select_from(tables.customers)
            .where(tables.customers.c.name == "Racer")
        )
        assert customers.scalar_one() == 1  # the losers' customer rows rolled back


def test_concurrent_feedback_on_one_anomaly_is_one_201_and_the_rest_409(world: World) -> None:
    order = delivered(world, "race-1")
    world.drain()
    problem = {"problem": "missing", "photo_ref": "uploads/p.jpg", "note": "no soup"}
    reported = world.client.post(
        f"/v1/orders/{order['id']}/problems", json=problem, headers=world.auth("student1")
    )
    path = f"/v1/anomalies/{reported.json()['id']}/feedback"
    rate = {"rating": 4, "comment": "fine"}
    answers = _at_once(lambda: world.client.post(path, json=rate, headers=world.auth("student1")))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (THREADS - 1), [
        a.json() for a in answers if a.status_code != 201
    ]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"already_rated"}
