"""The transparency report's figures match the database, recomputed here row by row."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api.helpers import delivered, place
from tests.conftest import World
from tiffin.errors import Invalid
from tiffin.store import tables
from tiffin.trust.render import to_html
from tiffin.trust.report import month_bounds, transparency


def _a_month_of_trouble(world: World) -> str:
    c, ops = world.client, world.auth("ops")
    for i in range(3):
        order = delivered(world, f"t-{i}")
        c.post(
            f"/v1/orders/{order['id']}/problems",
            json={"problem": "missing", "note": "少了一份汤，太差了"},
            headers=world.auth("student1"),
        )
    place(world, key="t-open")
    incident = c.post(
        "/v1/incidents",
        json={"title": "Slow", "components": {"dispatch": "major"}, "message": "looking"},
        headers=ops,
    ).json()
    world.platform.clock.advance(timedelta(minutes=25))
    c.post(
        f"/v1/incidents/{incident['id']}/updates",
        json={"state": "resolved", "message": "fixed"},
        headers=ops,
    )
    world.drain()
    return world.platform.clock.now().strftime("%Y-%m")


def test_the_reports_figures_match_the_database(world: World) -> None:
    month = _a_month_of_trouble(world)
    with world.platform.uow(read_only=True) as uow:
        report = transparency(uow, month)
        orders = uow.conn.execute(select(tables.orders)).mappings().all()
        anomalies = uow.conn.execute(select(tables.anomalies)).mappings().all()
        grants = uow.conn.execute(select(tables.grants)).mappings().all()
        incidents = uow.conn.execute(select(tables.incidents)).mappings().all()
        said = uow.conn.execute(select(tables.sentiment_records)).mappings().all()
    done = [o for o in orders if o["status"] == "delivered"]
    assert report["orders"] == len(orders) == 4
    assert report["delivered"] == len(done) == 3
    on_time = sum(o["finished_at"] <= o["promised_at"] for o in done)
    assert report["on_time_pct"] == round(100 * on_time / len(done), 1)
    assert report["anomalies_by_type"] == dict(Counter(a["type"] for a in anomalies))
    assert report["complaints"] == sum(a["type"] == "item_problem" for a in anomalies) == 3
    paid = sum(g["amount_cents"] + g["refund_cents"] for g in grants if g["status"] != "reversed")
    assert report["compensation_cents"] == paid > 0
    by_liable = Counter()
    for g in grants:
        by_liable[g["liable"]] += g["amount_cents"] + g["refund_cents"]
    assert report["compensation_cents_by_liable"] == dict(by_liable)
    [incident] = incidents
    assert report["incidents"][0]["recovery_minutes"] == round(
        (incident["resolved_at"] - incident["started_at"]).total_seconds() / 60, 1
    )
    assert sum(sum(d.values()) for d in report["sentiment_by_day"].values()) == len(said) == 3
    page = to_html(report)
    assert page.count("data:image/png;base64,") == 3 and "Slow" in page


def test_a_month_is_written_yyyy_mm() -> None:
    start, end = month_bounds("2026-12")
    assert (start.month, end.year, end.month) == (12, 2027, 1)
    with pytest.raises(Invalid):
        month_bounds("November")
