"""A scan's write half in parts: a wave of anomalies is acted on a few at a time, so SQLite's one
write lock is never held for the whole wave while orders wait."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tiffin.anomalies.watch import ScanResult, in_parts
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, Reason, Severity

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


def detection(n: int) -> Detection:
    return Detection(
        f"ord_{n}",
        AnomalyType.MERCHANT_SLOW_ACCEPT,
        Severity.LOW,
        Liability.MERCHANT,
        Reason.WEATHER,
        T0,
        T0,
    )


@given(
    new=st.integers(0, 60),
    cleared=st.integers(0, 30),
    overdue=st.integers(0, 30),
    size=st.integers(1, 25),
)
def test_parts_keep_every_item_once_in_order_and_none_is_too_big(
    new: int, cleared: int, overdue: int, size: int
) -> None:
    whole = ScanResult(
        [detection(n) for n in range(new)],
        [f"ano_c{n}" for n in range(cleared)],
        [f"ano_o{n}" for n in range(overdue)],
    )
    parts = in_parts(whole, size)
    assert all(0 < len(p.new) + len(p.cleared) + len(p.overdue) <= size for p in parts)
    assert [d for p in parts for d in p.new] == whole.new
    assert [a for p in parts for a in p.cleared] == whole.cleared
    assert [a for p in parts for a in p.overdue] == whole.overdue


def test_nothing_to_do_is_no_part_and_no_transaction() -> None:
    assert in_parts(ScanResult([], [], []), 20) == []
