"""Telemetry alert rules (pure): speeding, possible fall, long stop mid-delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tiffin.domain.geo import LatLon
from tiffin.safety.alerts import AlertKind, Sample, alerts_for, last_moving

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HERE = LatLon(31.03, 121.44)


def s(seconds: int, speed: float, impact: bool = False) -> Sample:
    return Sample(T0 + timedelta(seconds=seconds), HERE, speed, impact)


def kinds(
    samples: list[Sample], carrying: bool = True, moved_at: datetime | None = T0
) -> list[str]:
    return [a.kind for a in alerts_for("r1", samples, carrying=carrying, moved_at=moved_at)]


def test_riding_at_the_limit_raises_nothing() -> None:
    assert kinds([s(0, 6.9), s(5, 7.0)]) == []


def test_speeding_raises_one_alert_per_batch_at_its_fastest() -> None:
    alerts = alerts_for("r1", [s(0, 9.0), s(5, 11.0)], carrying=True, moved_at=T0)
    assert [a.kind for a in alerts] == [AlertKind.SPEEDING]
    assert "40 km/h" in alerts[0].detail and alerts[0].at == T0 + timedelta(seconds=5)


def test_an_impact_is_a_possible_fall() -> None:
    assert kinds([s(0, 5.0), s(5, 0.0, impact=True)]) == [AlertKind.POSSIBLE_FALL]


def test_a_long_stop_counts_only_while_carrying() -> None:
    late = [s(601, 0.0)]
    assert kinds(late, carrying=True) == [AlertKind.LONG_STOP]
    assert kinds(late, carrying=False) == []
    assert kinds([s(590, 0.0)], carrying=True) == []  # under ten minutes
    assert kinds(late, carrying=True, moved_at=None) == []


def test_the_same_stop_keeps_its_key_so_it_is_raised_once() -> None:
    first = alerts_for("r1", [s(601, 0)], carrying=True, moved_at=T0)
    again = alerts_for("r1", [s(606, 0)], carrying=True, moved_at=T0)
    assert first[0].key == again[0].key


def test_moving_resets_the_stop() -> None:
    assert last_moving([s(0, 0.0), s(5, 3.0), s(10, 0.1)], None) == T0 + timedelta(seconds=5)
    assert last_moving([s(0, 0.0)], T0) == T0
