"""Common Alerting Protocol 1.2 (CAP, OASIS): the XML national weather services, China's among
them, publish warnings in. Pure: bytes in, a ``CapAlert`` out, or ``Invalid`` naming what is
wrong; no I/O.

The XML is parsed with the standard library's expat, refusing any document type declaration:
CAP needs none, and a DTD is where entity bombs (billion laughs) and external entities live,
so refusing it is simpler and safer than expanding entities carefully.

What becomes of an alert (``window_of``): it is in force from its ``<onset>`` (else
``<effective>``, else ``<sent>``) until its ``<expires>`` (else ``DEFAULT_HOURS`` later), over
the union of its areas' ``<polygon>`` ("lat,lon lat,lon ...", closed) and ``<circle>``
("lat,lon radius_km") shapes. An alert with no shape at all is refused rather than read as
tenant-wide: a geocode-only warning could be for a district far from every customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from shapely.geometry import Polygon
from shapely.validation import explain_validity

from tiffin.domain.geo import LatLon
from tiffin.domain.weather import WeatherArea
from tiffin.errors import Invalid

NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
MAX_BYTES = 64 * 1024  # the app's default body limit; national CAP alerts are a few KiB
MAX_ELEMENTS = 5_000
MAX_POINTS = 2_000  # per polygon
MAX_RADIUS_KM = 500.0
DEFAULT_HOURS = 12
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")


@dataclass(frozen=True)
class CapAlert:
    """The parts of a CAP alert a weather window is made from."""

    sender: str
    identifier: str
    sent: datetime
    status: str  # Actual, Exercise, System, Test, Draft
    msg_type: str  # Alert, Update, Cancel, Ack, Error
    references: tuple[str, ...]  # keys ("sender,identifier") of earlier messages
    event: str
    severity: str
    starts_at: datetime
    ends_at: datetime
    areas: tuple[WeatherArea, ...]

    @property
    def key(self) -> str:
        """How CAP names a message in ``<references>``: sender and identifier."""
        return f"{self.sender},{self.identifier}"

    @property
    def actual(self) -> bool:
        """Only real warnings move anything; tests, exercises and drafts are acknowledged."""
        return self.status == "Actual" and self.msg_type in ("Alert", "Update", "Cancel")


def bad(detail: str, code: str = "cap_invalid") -> Invalid:
    return Invalid(detail, code=code)


def parse_xml(document: bytes) -> Element:
    """The document's element tree; a DTD (and so any entity), or anything not well formed,
    is refused."""
    if len(document) > MAX_BYTES:
        raise bad(f"a CAP document is at most {MAX_BYTES} bytes", "cap_too_large")
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    elements = 0

    def refuse_dtd(*_: Any) -> int:
        raise bad("a CAP document carries no DOCTYPE (entities are refused)", "cap_dtd_refused")

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal elements
        elements += 1
        if elements > MAX_ELEMENTS:
            raise bad(f"a CAP document has at most {MAX_ELEMENTS} elements", "cap_too_large")
        builder.start(_clark(name), attrs)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_clark(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(document, True)
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code)
        raise bad(f"not well-formed XML: {reason} at line {exc.lineno}", "cap_bad_xml") from None
    return builder.close()


def _clark(name: str) -> str:
    return "{" + name if "}" in name else name


def parse(document: bytes) -> CapAlert:
    """The alert ``document`` holds (see the module docstring), or ``Invalid`` naming the
    element that is missing or wrong."""
    root = parse_xml(document)
    if root.tag != NS + "alert":
        raise bad(f"the root element must be <alert> in {NS[1:-1]}, not {root.tag}")
    sender, identifier = _text(root, "sender"), _text(root, "identifier")
    if len(sender) + len(identifier) > 190 or "," in identifier + sender:
        raise bad("<sender> and <identifier> are at most 190 characters, without commas")
    sent = _time(root, "sent")
    msg_type = _text(root, "msgType")
    if msg_type not in MSG_TYPES:
        raise bad(f"<msgType> must be one of {', '.join(MSG_TYPES)}")
    references = tuple(
        ",".join(ref.split(",")[:2]) for ref in _text(root, "references", "").split()
    )
    if msg_type in ("Update", "Cancel") and not references:
        raise bad(f"an {msg_type} names the alert it amends in <references>")
    infos = root.findall(NS + "info")
    if not infos and msg_type in ("Alert", "Update"):
        raise bad("an alert needs at least one <info>", "cap_no_info")
    starts = [_time(i, "onset", None) or _time(i, "effective", None) or sent for i in infos]
    start = min(starts, default=sent)
    ends = [_time(i, "expires", None) for i in infos]
    known = [e for e in ends if e is not None]
    end = max(known) if known else start + timedelta(hours=DEFAULT_HOURS)
    if end <= start and msg_type != "Cancel":
        raise bad("<expires> must be after <onset>", "cap_bad_window")
    severity = _severity(infos)
    areas = tuple(
        area
        for i, info in enumerate(infos)
        for j, el in enumerate(info.findall(NS + "area"))
        for area in _areas(el, f"info {i + 1}, area {j + 1}")
    )
    if not areas and msg_type in ("Alert", "Update"):
        raise bad("no <polygon> or <circle> in any <area>: where is the warning?", "cap_no_area")
    return CapAlert(
        sender=sender,
        identifier=identifier,
        sent=sent,
        status=_text(root, "status"),
        msg_type=msg_type,
        references=references,
        event=_text(infos[0], "event", "")[:200] if infos else "",
        severity=severity,
        starts_at=start,
        ends_at=end,
        areas=areas,
    )


def _text(parent: Element, name: str, default: str | None = None) -> str:
    found = parent.find(NS + name)
    text = (found.text or "").strip() if found is not None else ""
    if text:
        return text
    if default is None:
        raise bad(f"<{name}> is missing or empty", "cap_missing_element")
    return default


def _time(parent: Element, name: str, default: Any = ...) -> Any:
    text = _text(parent, name, "" if default is not ... else None)
    if not text:
        return default
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise bad(f"<{name}> {text!r} is not a CAP dateTime", "cap_bad_time") from None
    if at.tzinfo is None:
        raise bad(f"<{name}> {text!r} has no time zone offset", "cap_bad_time")
    return at


def _severity(infos: list[Element]) -> str:
    found = [_text(i, "severity", "Unknown") for i in infos] or ["Unknown"]
    for s in found:
        if s not in SEVERITIES:
            raise bad(f"<severity> must be one of {', '.join(SEVERITIES)}, not {s!r}")
    return min(found, key=SEVERITIES.index)  # the gravest


def _areas(area: Element, where: str) -> list[WeatherArea]:
    shapes = [
        _polygon(el.text or "", f"{where}, polygon {k + 1}")
        for k, el in enumerate(area.findall(NS + "polygon"))
    ]
    shapes += [
        _circle(el.text or "", f"{where}, circle {k + 1}")
        for k, el in enumerate(area.findall(NS + "circle"))
    ]
    return shapes


def _point(pair: str, where: str) -> LatLon:
    try:
        lat, lon = (float(v) for v in pair.split(","))
        return LatLon(lat, lon)
    except ValueError:
        raise bad(f"{where}: {pair[:40]!r} is not 'lat,lon'", "cap_bad_geometry") from None


def _polygon(text: str, where: str) -> WeatherArea:
    pairs = text.split()
    if len(pairs) > MAX_POINTS:
        raise bad(f"{where}: at most {MAX_POINTS} points", "cap_bad_geometry")
    points = [_point(p, where) for p in pairs]
    if len(points) < 4 or points[0] != points[-1]:
        raise bad(
            f"{where}: a polygon is 4 or more points, the first repeated last",
            "cap_bad_geometry",
        )
    return checked_polygon(points[:-1], where, code="cap_bad_geometry")


def checked_polygon(
    points: Sequence[LatLon], where: str, *, code: str = "bad_geometry"
) -> WeatherArea:
    """A polygon area from a ring (closed or not), refused when it has fewer than three
    corners or crosses itself (shapely's reason is in the message)."""
    ring = list(points[:-1] if len(points) > 1 and points[0] == points[-1] else points)
    if len(ring) < 3:
        raise bad(f"{where}: a polygon needs at least three corners", code)
    shape = Polygon([(p.lon, p.lat) for p in ring])
    if not shape.is_valid:
        raise bad(f"{where}: {explain_validity(shape)}", code)
    return WeatherArea(ring=tuple(ring))


def _circle(text: str, where: str) -> WeatherArea:
    parts = text.split()
    if len(parts) != 2:
        raise bad(f"{where}: a circle is 'lat,lon radius_km'", "cap_bad_geometry")
    centre = _point(parts[0], where)
    try:
        radius_km = float(parts[1])
    except ValueError:
        detail = f"{where}: radius {parts[1][:20]!r} is not a number"
        raise bad(detail, "cap_bad_geometry") from None
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise bad(f"{where}: radius must be in (0, {MAX_RADIUS_KM:g}] km", "cap_bad_geometry")
    return WeatherArea(centre=centre, radius_m=radius_km * 1000)
