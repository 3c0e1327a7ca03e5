"""Drills run against a staging database, never the live one: the guard on a drill's URL.

A URL is compared by where it leads, not by how it is spelt: ``postgresql://a:pw@localhost/x``
and ``postgresql+psycopg://b@127.0.0.1:5432/x?sslmode=disable`` are one database (driver,
credentials and options do not change which database it is), and a SQLite URL is its file's
resolved path (``./tiffin.db``, ``/srv/../srv/tiffin.db`` and a symlink to it are one file; a
hard link is caught by comparing the files themselves when both exist). A URL naming the live
database is refused, and so is one not on the ``drill_staging_urls`` list when that list is
set. Two names for one server the guard cannot see through (a DNS alias, a connection pooler)
meet the second guard, run by the drill itself (``tiffin.drills.safety``): a database holding
data no drill created is refused before anything is written to it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from tiffin.errors import Invalid

LOOPBACK = {"", "localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", "ip6-localhost"}
POSTGRES_PORT = 5432
MAX_URL = 500  # drill_schedules.staging_url


@dataclass(frozen=True)
class Target:
    """Where a URL leads: ``("sqlite", "/abs/path")`` or ``("postgresql", "host:port/db")``."""

    family: str
    place: str


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise Invalid(f"not a database URL: {exc}", code="staging_url_invalid") from None


def _sqlite_path(parsed: URL) -> str:
    name = parsed.database or ""
    if name.startswith("file:"):  # sqlite:///file:x.db?uri=true
        name = name[len("file:") :].split("?", 1)[0]
    if name in ("", ":memory:") or parsed.query.get("mode") == "memory":
        raise Invalid(
            "a drill serves tiffin in other processes: it needs a database file, "
            "not an in-memory database",
            code="staging_url_invalid",
        )
    try:
        return str(Path(name).expanduser().resolve())
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a name too long, a loop
        raise Invalid(f"not a usable file path: {exc}", code="staging_url_invalid") from None


def target(url: str) -> Target:
    """Where ``url`` leads (see the module's docstring); 422 for anything but SQLite or
    PostgreSQL."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return Target("sqlite", _sqlite_path(parsed))
    if backend in ("postgresql", "postgres"):
        host = parsed.host or str(parsed.query.get("host", "") or "")
        host = "loopback" if host.lower() in LOOPBACK or host.startswith("/") else host.lower()
        database = parsed.database or parsed.username or ""
        return Target("postgresql", f"{host}:{parsed.port or POSTGRES_PORT}/{database}")
    raise Invalid(
        f"drills run on SQLite or PostgreSQL, not {backend!r}", code="staging_url_invalid"
    )


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one does not exist (yet): then the paths decided
        return False


def is_live(url: str, live_url: str) -> bool:
    """Whether ``url`` leads to the live database (``live_url``)."""
    mine, live = target(url), target(live_url)
    if mine == live:
        return True
    return mine.family == live.family == "sqlite" and _same_file(mine.place, live.place)


def staging_url(url: str, *, live_url: str, allowed: Sequence[str] = ()) -> str:
    """``url`` as a drill schedule keeps it (a SQLite file as its absolute path, so the runner's
    working directory does not matter), or a 422: the live database, a URL not on ``allowed``
    (when that list is not empty), an in-memory or non-SQL database."""
    url = url.strip()
    if is_live(url, live_url):
        raise Invalid(
            "that is the live database: drills kill servers and flood them with load, so they "
            "run only against a staging database",
            code="staging_url_is_live",
        )
    mine = target(url)
    if allowed and mine not in {target(a) for a in allowed}:
        raise Invalid(
            "that database is not on this platform's list of staging databases "
            "(TIFFIN_DRILL_STAGING_URLS)",
            code="staging_url_not_allowed",
        )
    kept = f"sqlite:///{mine.place}" if mine.family == "sqlite" else url
    if len(kept) > MAX_URL:
        raise Invalid(
            f"a staging URL is at most {MAX_URL} characters (a SQLite path once made absolute)",
            code="staging_url_invalid",
        )
    return kept


def redacted(url: str) -> str:
    """The URL as shown to people: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unreadable URL)"
