"""CAP 1.2 parsing (tiffin/safety/weather/cap.py): an alert becomes a window over its polygons and
circles; anything malformed is refused naming what is wrong; no DTD (so no entity) is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tiffin.domain.geo import LatLon
from tiffin.errors import Invalid
from tiffin.safety.weather import cap

DORM = LatLon(31.038, 121.447)
SQUARE = "31.036,121.446 31.036,121.450 31.040,121.450 31.040,121.446 31.036,121.446"


def alert(
    *,
    identifier: str = "CMA-2026-0042",
    msg_type: str = "Alert",
    status: str = "Actual",
    references: str = "",
    onset: str = "2026-11-30T19:00:00+08:00",
    expires: str = "2026-11-30T23:00:00+08:00",
    area: str = f"<polygon>{SQUARE}</polygon>",
    severity: str = "Severe",
    prolog: str = "",
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    return f"""{prolog}<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>weather@cma.gov.cn</sender>
  <sent>2026-11-30T18:30:00+08:00</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨橙色预警 (rainstorm, orange)</event>
    <urgency>Immediate</urgency>
    <severity>{severity}</severity>
    <certainty>Likely</certainty>
    <onset>{onset}</onset>
    <expires>{expires}</expires>
    <area><areaDesc>Minhang campus</areaDesc>{area}</area>
  </info>
</alert>""".encode()


def test_an_alert_becomes_a_window_over_its_polygon() -> None:
    parsed = cap.parse(alert())
    assert parsed.key == "weather@cma.gov.cn,CMA-2026-0042" and parsed.actual
    assert parsed.starts_at == datetime(2026, 11, 30, 11, tzinfo=UTC)
    assert parsed.ends_at == datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert parsed.severity == "Severe" and parsed.event.startswith("暴雨")
    [area] = parsed.areas
    assert area.contains(DORM) and not area.contains(LatLon(31.028, 121.448))


def test_a_circle_is_read_in_kilometres_and_areas_add_up() -> None:
    two = f"<polygon>{SQUARE}</polygon><circle>31.0280,121.4480 0.2</circle>"
    parsed = cap.parse(alert(area=two))
    assert len(parsed.areas) == 2
    assert parsed.areas[1].radius_m == pytest.approx(200)


def test_updates_and_cancels_name_what_they_amend() -> None:
    ref = "weather@cma.gov.cn,CMA-2026-0042,2026-11-30T18:30:00+08:00"
    update = cap.parse(alert(identifier="CMA-2026-0043", msg_type="Update", references=ref))
    assert update.references == ("weather@cma.gov.cn,CMA-2026-0042",)
    with pytest.raises(Invalid, match="references"):
        cap.parse(alert(msg_type="Cancel"))


def test_tests_and_exercises_move_nothing() -> None:
    assert not cap.parse(alert(status="Test")).actual
    assert not cap.parse(alert(status="Exercise")).actual


def test_no_expiry_means_the_default_length() -> None:
    parsed = cap.parse(alert(expires=""))
    assert parsed.ends_at - parsed.starts_at == timedelta(hours=cap.DEFAULT_HOURS)


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (b"<alert", "cap_bad_xml", "not well-formed"),
        (b"<alert/>", "cap_invalid", "root element"),
        (alert(identifier=""), "cap_missing_element", "<identifier>"),
        (alert(msg_type="Shout"), "cap_invalid", "<msgType>"),
        (alert(onset="tomorrow"), "cap_bad_time", "<onset>"),
        (alert(onset="2026-11-30T19:00:00"), "cap_bad_time", "time zone"),
        (alert(expires="2026-11-30T18:00:00+08:00"), "cap_bad_window", "<expires>"),
        (alert(severity="Apocalyptic"), "cap_invalid", "<severity>"),
        (alert(area="<areaDesc>Shanghai</areaDesc>"), "cap_no_area", "<polygon>"),
        (
            alert(area="<polygon>31.036,121.446 31.036,121.450 31.040,121.450</polygon>"),
            "cap_bad_geometry",
            "info 1, area 1, polygon 1",
        ),
        (
            alert(area="<polygon>0,0 1,1 1,0 0,1 0,0</polygon>"),
            "cap_bad_geometry",
            "Self-intersection",
        ),
        (alert(area="<polygon>91,0 1,1 1,0 91,0</polygon>"), "cap_bad_geometry", "lat,lon"),
        (alert(area="<circle>31.03,121.44 -1</circle>"), "cap_bad_geometry", "radius"),
        (alert(area="<circle>31.03,121.44</circle>"), "cap_bad_geometry", "circle"),
    ],
)
def test_a_malformed_alert_is_refused_naming_what_is_wrong(
    document: bytes, code: str, words: str
) -> None:
    with pytest.raises(Invalid) as refused:
        cap.parse(document)
    assert refused.value.code == code and words in refused.value.detail


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""

EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>'
)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "xxe"])
def test_a_document_type_declaration_is_refused_before_any_entity(document: bytes) -> None:
    with pytest.raises(Invalid) as refused:
        cap.parse(document)
    assert refused.value.code == "cap_dtd_refused"


def test_an_undeclared_entity_is_not_well_formed() -> None:
    with pytest.raises(Invalid) as refused:
        cap.parse(alert(identifier="&lol9;"))
    assert refused.value.code == "cap_bad_xml"


def test_size_and_element_count_are_bounded() -> None:
    with pytest.raises(Invalid, match="bytes"):
        cap.parse(b" " * (cap.MAX_BYTES + 1))
    many = b"<x/>" * (cap.MAX_ELEMENTS + 1)
    with pytest.raises(Invalid, match="elements"):
        cap.parse(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">' + many + b"</alert>")
