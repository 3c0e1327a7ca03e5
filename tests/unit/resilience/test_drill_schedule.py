"""Scheduled drills, the pure parts: the staging-URL guard (never the live database, however
it is spelt) and the cadence (the next slot on the grid, from a fake clock)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiffin.errors import Invalid
from tiffin.resilience.drill_guard import is_live, redacted, staging_url, target
from tiffin.resilience.drill_model import DrillKind, drill_params, next_slot

LIVE_PG = "postgresql+psycopg://tiffin:secret@db.example.com:5432/tiffin"


def _refused(url: str, live: str, code: str, allowed: tuple[str, ...] = ()) -> None:
    with pytest.raises(Invalid) as refused:
        staging_url(url, live_url=live, allowed=allowed)
    assert refused.value.code == code, refused.value.detail
    assert refused.value.status == 422


@pytest.mark.parametrize(
    "spelling",
    [
        LIVE_PG,
        "postgresql://tiffin:secret@db.example.com/tiffin",  # driver and default port
        "postgres://someone-else@DB.EXAMPLE.COM:5432/tiffin",  # other user, host's case
        "postgresql+psycopg2://tiffin@db.example.com/tiffin?sslmode=require",  # options
        "  postgresql://db.example.com/tiffin  ",  # blanks around it
    ],
)
def test_every_spelling_of_the_live_postgres_database_is_refused(spelling: str) -> None:
    _refused(spelling, LIVE_PG, "staging_url_is_live")


def test_loopback_names_are_one_host() -> None:
    live = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    for spelling in (
        "postgresql://postgres@localhost/test",
        "postgresql://u@[::1]:5432/test",
        "postgresql:///test?host=/var/run/postgresql",  # the local socket
    ):
        _refused(spelling, live, "staging_url_is_live")
    assert staging_url("postgresql://postgres@localhost/staging", live_url=live).endswith(
        "/staging"
    )
    assert not is_live("postgresql://postgres@localhost:5433/test", live)  # another server


def test_the_live_sqlite_file_is_refused_by_any_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live_file = tmp_path / "tiffin.db"
    live_file.write_bytes(b"")
    live = f"sqlite:///{live_file}"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.db").symlink_to(live_file)
    os.link(live_file, tmp_path / "hard.db")
    for spelling in (
        "sqlite:///tiffin.db",  # relative to the working directory
        f"sqlite:///{tmp_path}/sub/../tiffin.db",
        "sqlite:///link.db",  # a symlink
        "sqlite:///hard.db",  # a hard link: the same file
        f"sqlite:///file:{live_file}?uri=true",
    ):
        _refused(spelling, live, "staging_url_is_live")


def test_a_staging_sqlite_file_is_kept_as_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    kept = staging_url("sqlite:///staging.db", live_url=f"sqlite:///{tmp_path}/tiffin.db")
    assert kept == f"sqlite:///{tmp_path.resolve()}/staging.db"
    assert target(kept) == target(f"sqlite:///{tmp_path}/./staging.db")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:x?mode=memory&uri=true",
        "sqlite:///a\x00b.db",
        "sqlite:///" + "n" * 5000,
        "mysql://x@h/db",
        "postgresql://h:port/db",
        "nonsense",
    ],
)
def test_what_a_drill_cannot_run_on_is_refused(url: str) -> None:
    _refused(url, LIVE_PG, "staging_url_invalid")


def test_with_a_staging_list_only_its_databases_are_accepted() -> None:
    allowed = ("postgresql://drills@staging.example.com/tiffin_staging",)
    ok = "postgresql+psycopg://other@STAGING.example.com:5432/tiffin_staging"
    assert staging_url(ok, live_url=LIVE_PG, allowed=allowed) == ok
    _refused(
        "postgresql://x@staging.example.com/elsewhere", LIVE_PG, "staging_url_not_allowed", allowed
    )
    # the live database stays refused even if someone put it on the list
    _refused(LIVE_PG, LIVE_PG, "staging_url_is_live", (LIVE_PG,))


def test_passwords_are_hidden_when_shown() -> None:
    assert "secret" not in redacted(LIVE_PG) and "***" in redacted(LIVE_PG)


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_next_slot_stays_on_the_grid_and_skips_missed_ones() -> None:
    hour = 3600
    assert next_slot(T0, hour, T0) == T0 + timedelta(hours=1)
    assert next_slot(T0, hour, T0 + timedelta(minutes=59)) == T0 + timedelta(hours=1)
    assert next_slot(T0, hour, T0 + timedelta(hours=1)) == T0 + timedelta(hours=2)
    # the runner was down for five and a half periods: one run, then the next slot ahead
    assert next_slot(T0, hour, T0 + timedelta(hours=5, minutes=30)) == T0 + timedelta(hours=6)
    assert next_slot(T0, hour, T0 - timedelta(hours=3)) == T0 + timedelta(hours=1)


@given(
    every=st.integers(min_value=60, max_value=7 * 24 * 3600),
    late=st.integers(min_value=0, max_value=365 * 24 * 3600),
)
def test_the_next_slot_is_the_first_one_after_now(every: int, late: int) -> None:
    now = T0 + timedelta(seconds=late)
    slot = next_slot(T0, every, now)
    assert slot > now >= slot - timedelta(seconds=every)
    assert (slot - T0).total_seconds() % every == 0


def test_each_kind_takes_only_its_own_settings_within_bounds() -> None:
    assert drill_params(DrillKind.OVERLOAD, {"seconds": 1}) == {"seconds": 1}
    assert drill_params(DrillKind.CRASH, None) == {"kills": 3}
    assert drill_params(DrillKind.FAILOVER, {"zones": 2}) == {"zones": 2, "load_seconds": 4}
    with pytest.raises(Invalid) as unknown:
        drill_params(DrillKind.CRASH, {"seconds": 5})
    assert unknown.value.code == "drill_param_unknown"
    with pytest.raises(Invalid) as bounds:
        drill_params(DrillKind.CRASH, {"kills": 0})
    assert bounds.value.code == "drill_param_out_of_bounds"
