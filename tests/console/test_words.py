"""The console's catalogue, money, times and map projection (pure, no database)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tiffin.anomalies.playbook import Step
from tiffin.console import i18n
from tiffin.console.csrf import matches, safe_next
from tiffin.console.desk_queries import percentile, sparkline
from tiffin.console.desk_regions import POLICY_FIELDS
from tiffin.console.map import HEIGHT, MARGIN, WIDTH, canvas_for, label_rows
from tiffin.console.queries import DRILL_FIGURES
from tiffin.console.render import TEMPLATES
from tiffin.domain.anomalies import AnomalyType, Liability
from tiffin.domain.geo import LatLon
from tiffin.domain.order_status import OrderStatus
from tiffin.domain.people import OfferStatus
from tiffin.domain.principals import ActorRole
from tiffin.domain.zones import RiskLevel
from tiffin.incidents.model import Component, Impact, State
from tiffin.resilience.drill_model import DrillKind, RunStatus
from tiffin.safety.aid.model import ClaimKind, ClaimStatus, SupportKind, SupportStatus
from tiffin.safety.aid.roster import Channel
from tiffin.safety.aid.roster import Scope as RosterScope
from tiffin.safety.alerts import AlertKind
from tiffin.safety.policy import Mode
from tiffin.safety.tracing import Subject as TraceSubject
from tiffin.trust.policy import EVENTS, ROLES

LITERAL = re.compile(r"""_\((?:"([^"]+)"|'([^']+)')\)""")


def test_every_word_on_a_page_has_a_chinese_translation() -> None:
    used = {
        a or b
        for page in TEMPLATES.glob("*.html")
        for a, b in LITERAL.findall(page.read_text(encoding="utf-8"))
    }
    used |= {s.value for s in OrderStatus} | {s.value for s in Step}
    used |= {t.value for t in AnomalyType} | {"idle", "to_pickup", "to_customer", "off_shift"}
    used |= {x.value for enum in (Component, Impact, State) for x in enum}
    used |= {f"offer {x.value}" for x in OfferStatus}
    used |= {f"drill {x.value}" for enum in (DrillKind, RunStatus) for x in enum}
    used |= {label for shown in DRILL_FIGURES.values() for _, label in shown}
    used |= {x.value for enum in (ClaimKind, ClaimStatus, SupportKind, SupportStatus) for x in enum}
    used |= {x.value for enum in (AlertKind, RosterScope, Channel, Mode) for x in enum}
    used |= {"Menu editor", "Today", "Insurance and support", "Wallet"}  # page titles
    used |= {"Rider safety", "Roster and partners", "Tracing"}
    used |= {s.value for s in TraceSubject}
    used |= {"granted", "held", "reversed"}  # a grant's status on the wallet page
    used |= {"Trust", "Statement", "Statements", *ROLES} | {
        e for events in EVENTS.values() for e in events
    }
    used |= {label for _, label in POLICY_FIELDS} | {x.value for x in Liability} | {"incident"}
    used |= {f"risk {x.value}" for x in RiskLevel} | {a.value for a in ActorRole}
    used |= {f"grant {s}" for s in ("granted", "held", "refused", "reversed")}
    missing = sorted(w for w in used if w not in i18n.catalogue("zh-CN"))
    assert not missing, f"add these to console.po: {missing}"
    assert i18n.translate("zh-CN", "Live map") == "实时地图"
    assert i18n.translate("en", "Live map") == "Live map"
    assert i18n.language_of("fr") == i18n.DEFAULT_LANGUAGE == "zh-CN"


def test_money_is_yuan_from_cents() -> None:
    assert i18n.money(1250) == "¥12.50"
    assert i18n.money(5) == "¥0.05"
    assert i18n.money(123456) == "¥1,234.56"
    assert i18n.money(-300) == "-¥3.00"


def test_times_are_on_the_tenants_wall_clock() -> None:
    at = datetime(2026, 11, 30, 4, 5, tzinfo=UTC)
    assert i18n.local_time(at, i18n.zone("Asia/Shanghai")) == "12:05"
    assert i18n.local_time(at, i18n.zone("Not/AZone")) == "04:05"
    assert i18n.local_time(None, i18n.zone("UTC")) == ""


def test_the_map_keeps_north_up_and_everything_inside_the_canvas() -> None:
    points = [LatLon(31.025, 121.43), LatLon(31.04, 121.45), LatLon(31.03, 121.44)]
    canvas = canvas_for(points)
    for p in points:
        x, y = canvas.xy(p)
        assert MARGIN - 0.1 <= x <= WIDTH - MARGIN + 0.1
        assert MARGIN - 0.1 <= y <= HEIGHT - MARGIN + 0.1
    north, south = canvas.xy(LatLon(31.04, 121.44)), canvas.xy(LatLon(31.025, 121.44))
    assert north[1] < south[1]
    assert canvas_for([]).xy(LatLon(0.0, 0.0)) == (MARGIN, MARGIN)


def test_tokens_and_redirects_are_checked() -> None:
    assert matches("abc", "abc") and not matches("abc", "abd")
    assert not matches(None, "abc") and not matches("abc", "") and not matches("a" * 300, "a" * 300)
    assert safe_next("/app/inbox", "/") == "/app/inbox"
    for bad in ("//evil.example", "https://evil.example", "/\\evil", None, ""):
        assert safe_next(bad, "/console") == "/console"


def test_names_of_riders_in_one_place_do_not_overlap() -> None:
    assert label_rows([(10.0, 10.0), (12.0, 11.0), (100.0, 10.0), (11.0, 9.0)]) == [0, 1, 0, 2]


def test_the_kpi_strip_percentile_and_sparkline_are_exact() -> None:
    assert percentile([], 0.99) is None
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    delays = [float(s) for s in range(1, 101)]
    assert percentile(delays, 0.99) == 99.0 and percentile(delays, 1.0) == 100.0
    assert sparkline([None, None]) == ""
    # the highest value touches the top (y=2), zero the bottom (y=26); a gap is skipped
    assert sparkline([0.0, 4.0, None, 2.0], width=30, height=28) == "0.0,26.0 10.0,2.0 30.0,14.0"
