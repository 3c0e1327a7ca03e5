"""Risk zones from a health authority's GeoJSON (RFC 7946): every feature is checked with
shapely before any is kept, and a bad one is refused by its index and id.

Each feature is a ``Polygon`` (outer ring only; GeoJSON orders positions ``[lon, lat]``) with
properties ``name``, ``level`` (low/medium/high), ``valid_from``/``valid_until`` (ISO 8601 with
an offset) and ``handoff`` (``[lon, lat]``, the contactless hand-off point outside the polygon).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import Polygon
from shapely.validation import explain_validity

from tiffin.domain.geo import LatLon
from tiffin.domain.zones import RiskLevel
from tiffin.errors import Invalid

MAX_FEATURES = 100
MAX_CORNERS = 200


@dataclass(frozen=True)
class ZoneFeature:
    name: str
    level: RiskLevel
    polygon: tuple[LatLon, ...]
    handoff: LatLon
    valid_from: datetime | None
    valid_until: datetime


class BadFeature(Invalid):
    code = "bad_geojson"


def _position(value: Any, what: str) -> tuple[float, float]:
    ok = isinstance(value, list | tuple) and len(value) in (2, 3)
    if not ok or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise ValueError(f"{what} must be [lon, lat]")
    lon, lat = float(value[0]), float(value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"{what} {value} is off the globe")
    return lon, lat


def _time(props: dict[str, Any], key: str) -> datetime | None:
    raw = props.get(key)
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(f"{key} {raw!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ValueError(f"{key} needs a UTC offset")
    return at


def _feature(feature: Any) -> ZoneFeature:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("is not a GeoJSON Feature")
    geometry = feature.get("geometry") or {}
    if geometry.get("type") != "Polygon":
        raise ValueError(f"geometry must be a Polygon, not {geometry.get('type')!r}")
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
        raise ValueError("a Polygon needs an outer ring")
    ring = [_position(p, "a corner") for p in rings[0][: MAX_CORNERS + 2]]
    if len(rings[0]) > MAX_CORNERS + 1:
        raise ValueError(f"a zone may have at most {MAX_CORNERS} corners")
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise ValueError("the outer ring must be closed (first corner = last) with 3+ corners")
    shape = Polygon(ring)
    if not shape.is_valid:
        raise ValueError(f"invalid polygon: {explain_validity(shape)}")
    props = feature.get("properties") or {}
    name = str(props.get("name") or "").strip()[:200]
    if not name:
        raise ValueError("properties.name is required")
    try:
        level = RiskLevel(str(props.get("level", "high")).lower())
    except ValueError:
        raise ValueError(f"level must be one of {[v.value for v in RiskLevel]}") from None
    if props.get("handoff") is None:
        raise ValueError("properties.handoff, the contactless hand-off point, is required")
    lon, lat = _position(props["handoff"], "the hand-off point")
    if shape.covers(ShapelyPoint(lon, lat)):
        raise ValueError("the hand-off point must lie outside the zone")
    handoff = LatLon(lat, lon)
    valid_from, valid_until = _time(props, "valid_from"), _time(props, "valid_until")
    if valid_until is None:
        raise ValueError("properties.valid_until is required")
    if valid_from is not None and valid_until <= valid_from:
        raise ValueError("valid_until must be after valid_from")
    polygon = tuple(LatLon(lat, lon) for lon, lat in ring[:-1])
    return ZoneFeature(name, level, polygon, handoff, valid_from, valid_until)


def parse_features(features: list[Any]) -> list[ZoneFeature]:
    """Every feature as a zone, or a 422 naming the first bad feature (index and id)."""
    if len(features) > MAX_FEATURES:
        raise BadFeature(f"at most {MAX_FEATURES} features per import")
    found = []
    for index, feature in enumerate(features):
        try:
            found.append(_feature(feature))
        except ValueError as exc:
            ident = feature.get("id") if isinstance(feature, dict) else None
            named = f"feature {index}" + (f" (id {ident!r})" if ident is not None else "")
            raise BadFeature(f"{named}: {exc}", feature_index=index) from None
    return found
