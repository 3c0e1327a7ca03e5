"""Online backup and restore of the embedded SQLite database.

``sqlite3``'s backup API copies a consistent snapshot page by page while the server keeps
serving (WAL readers are not blocked), so a backup taken mid-lunch is a database as it stood at
one commit. PostgreSQL has its own tools (``pg_dump -Fc`` / ``pg_restore``; see the README).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from tiffin.errors import Invalid


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise Invalid(
            "backup and restore here are for SQLite; use pg_dump/pg_restore for PostgreSQL",
            code="not_sqlite",
        )
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the live database to ``target``; returns the number of pages copied."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise Invalid(f"{source_path} does not exist", code="no_database")
    if target.exists():
        raise Invalid(f"{target} exists already; choose a new file", code="target_exists")
    pages = 0

    def progress(_status: int, remaining: int, total: int) -> None:
        nonlocal pages
        pages = total

    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy, pages=1024, progress=progress)
    return pages


def restore(backup_file: Path, database_url: str) -> None:
    """Replace the database with ``backup_file`` (the server must be stopped)."""
    target = sqlite_path(database_url)
    if not backup_file.exists():
        raise Invalid(f"{backup_file} does not exist", code="no_backup")
    with sqlite3.connect(backup_file) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise Invalid(f"{backup_file} is damaged", code="damaged_backup")
    with sqlite3.connect(backup_file) as source, sqlite3.connect(target) as live:
        source.backup(live)
