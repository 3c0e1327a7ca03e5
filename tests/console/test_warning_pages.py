"""The console's early-warning page: operators see each zone's shortfall and apply a
recommendation with one button (applied once, then shown as applied); others are refused."""

from __future__ import annotations

import re

from tests.api.test_early_warning import busy_campus
from tests.conftest import World
from tests.console.test_pages import csrf_of, fresh, log_in


def test_operators_apply_a_recommendation_from_the_page(world: World) -> None:
    busy_campus(world)
    client = log_in(fresh(world), "ops@campus.test")
    page = client.get("/console/early-warning")
    assert page.status_code == 200
    found = re.search(r'data-recommendation="([^"]+:extend_promise)"', page.text)
    assert found, page.text
    rec = found.group(1)
    r = client.post(
        f"/console/early-warning/{rec}/apply",
        data={"csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/early-warning"
    page = client.get("/console/early-warning")
    assert "promise extension" in page.text  # the applied detail replaces the button


def test_only_operators_see_the_page(world: World) -> None:
    client = log_in(fresh(world), "student1@campus.test")
    assert client.get("/console/early-warning").status_code == 403
