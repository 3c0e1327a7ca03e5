"""/console/statements: a statement drafted from an incident, edited as a new version and
published from forms, every version listed; operators of the tenant only."""

from __future__ import annotations

import re

from tests.api.test_statements import _incident
from tests.api.test_wave_statements import _complaints, _draft_body
from tests.conftest import World
from tests.console.test_pages import csrf_of, fresh, log_in


def test_an_operator_drafts_edits_and_publishes_a_statement(world: World) -> None:
    world.seed("city")
    incident = _incident(world)
    ops = log_in(fresh(world), "ops@campus.test")
    page = ops.get("/console/statements")
    assert page.status_code == 200 and f'<option value="{incident["id"]}">' in page.text
    token = csrf_of(page.text)
    r = ops.post(
        "/console/statements/incident",
        data={"csrf": token, "incident_id": "inc_nobody"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/statements?problem=not_found"
    r = ops.post(
        "/console/statements/incident",
        data={"csrf": token, "incident_id": incident["id"]},
        follow_redirects=False,
    )
    where = r.headers["location"]
    assert where.startswith("/console/statements/stm")
    statement_id = where.rsplit("/", 1)[1]
    drafted = ops.get(where).text
    assert 'data-version="1"' in drafted and 'id="edit-statement"' in drafted
    words = {
        "csrf": token,
        "title_zh-CN": "调度恢复中",
        "body_zh-CN": "骑手暂时收不到派单，我们正在回滚。",
        "title_en": "Dispatch recovering",
        "body_en": "Riders get no offers for now; we are rolling back.",
    }
    bad = ops.post(f"{where}/versions", data=words | {"title_en": " "}, follow_redirects=False)
    assert bad.headers["location"] == f"{where}?problem=invalid_input"
    assert (
        ops.post(f"{where}/versions", data=words, follow_redirects=False).headers["location"]
        == where
    )
    r = ops.post(f"{where}/versions/2/publish", data={"csrf": token}, follow_redirects=False)
    assert r.headers["location"] == where
    again = ops.post(f"{where}/versions/2/publish", data={"csrf": token}, follow_redirects=False)
    assert again.headers["location"] == f"{where}?problem=already_published"
    shown = ops.get(where).text
    assert len(re.findall(r'data-version="\d+"', shown)) == 2 and "Dispatch recovering" in shown
    api = world.client.get(f"/v1/statements/{statement_id}", headers=world.auth("ops")).json()
    assert [v["published_at"] is not None for v in api["versions"]] == [True, False]
    listed = ops.get("/console/statements").text
    assert f'data-statement="{statement_id}"' in listed
    other = log_in(fresh(world), "ops@city.test", tenant="city")
    assert other.get(where).status_code == 404
    assert statement_id not in other.get("/console/statements").text
    customer = log_in(fresh(world), "student1@campus.test")
    assert customer.get("/console/statements").status_code == 403
    r = customer.post(
        f"{where}/versions/1/publish",
        data={"csrf": csrf_of(customer.get("/app").text)},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"{where}?problem=operator_only"


def test_a_statement_is_drafted_from_an_anomaly_wave_on_the_desk(world: World) -> None:
    _complaints(world, 3)  # more in an hour and risk control blocks the fourth claim
    waves = world.client.get("/v1/anomaly-waves?min_anomalies=3", headers=world.auth("ops")).json()
    [wave] = [w for w in waves if w["dimension"] == "merchant"]
    ops = log_in(fresh(world), "ops@campus.test")
    assert f'value="{wave["key"]}"' not in ops.get("/console/statements").text  # 5 by default
    page = ops.get("/console/statements?min_anomalies=3").text
    assert f'name="key" value="{wave["key"]}"' in page
    form = {"csrf": csrf_of(page)} | _draft_body(wave)
    bad = ops.post(
        "/console/statements/wave", data=form | {"dimension": "moon"}, follow_redirects=False
    )
    assert bad.headers["location"] == "/console/statements?problem=invalid_input"
    r = ops.post("/console/statements/wave", data=form, follow_redirects=False)
    assert r.headers["location"].startswith("/console/statements/stm")
    shown = ops.get(r.headers["location"]).text
    assert 'data-version="1"' in shown and "异常潮" in shown
