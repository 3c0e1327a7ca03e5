"""Staged inserts: a transaction's new rows leave for the database together, at the end.

Placing an order writes an order, its lines, the outbox event and the idempotency claim: four
or five ``INSERT`` statements. On PostgreSQL each is a network round trip, and each costs more
CPU in SQLAlchemy and psycopg than in the server (measured: about 60 µs of client CPU per
statement against a whole placement's 2 ms). So a unit of work *stages* its inserts and writes
them in one statement on commit: every staged row becomes a data-modifying CTE
(``WITH w0 AS (INSERT ...), w1 AS (INSERT ...) INSERT ...``), which PostgreSQL runs atomically,
with foreign keys checked at the end of the statement. SQLite has no data-modifying CTEs and no
network, so there the rows go one statement per table, as before.

Nothing can read a staged row before it is written, so any other statement on the connection
writes the staged rows first (``autoflush``, a ``before_execute`` hook on the engine). The
combined statement is built once per shape (which tables, how many rows, which columns) and is
cacheable by SQLAlchemy, because every row is its own single-row CTE: a multi-row ``VALUES``
has no cache key and would compile afresh on every commit. Past ``MAX_COMBINED_ROWS`` (a seed,
a simulator's batch) the rows go per table instead, so shapes stay few.

A write may carry an idempotency *claim* (a row that must not collide with a unique key) and a
catalog *guard* (the tenant's catalog version the caller read its prices at, see
``tiffin.ordering.checkout_cache``). With either, PostgreSQL's statement is *gated*: the guard is a
CTE that yields a row only while the version is unchanged, the claim inserts from it, and every
other row inserts from the claim, so a stale catalog or a lost claim writes nothing at all.
SQLite, whose writers are serialised by the unit of work's lock, puts the guard on the claim's
own insert (or reads the version first when there is no claim), and its inserts go straight
to the driver (``tiffin.store.driver``).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Executable,
    String,
    Table,
    bindparam,
    cast,
    event,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from tiffin.store import driver, tables
from tiffin.store.upsert import insert_ignore

Row = dict[str, Any]
Staged = list[tuple[Table, list[Row]]]

PENDING = "tiffin_staged"  # Connection.info: the unit of work's staged rows, until written
MAX_COMBINED_ROWS = 16

# Per table, columns given by an SQL expression rather than a parameter (the outbox's txid).
Computed = dict[str, ColumnElement[Any]]


@dataclass(frozen=True)
class CatalogGuard:
    """Write only while ``tenant_id``'s catalog version is still ``version``."""

    tenant_id: str
    version: int


class Written(enum.Enum):
    DONE = "done"
    CLAIM_TAKEN = "claim_taken"  # the claim collided with an earlier one
    STALE = "stale"  # the guard's catalog version has moved on


def catalog_version_of(tenant_id: Any) -> ColumnElement[Any]:
    """The catalog version of the tenant ``tenant_id`` (a column or a parameter) names, 0 if it
    has none yet: the one expression both the reads and the guard compare."""
    v = tables.catalog_versions.c
    latest = select(v.version).where(v.tenant_id == tenant_id).scalar_subquery()
    return func.coalesce(latest, 0)


CATALOG_VERSION = catalog_version_of(bindparam("guard_tenant"))
_VERSION_NOW = select(CATALOG_VERSION)


def install_autoflush(engine: Engine) -> None:
    """Write a connection's staged rows before any other statement runs on it."""

    @event.listens_for(engine, "before_execute")
    def _autoflush(conn: Connection, *_: Any) -> None:
        staged: Staged | None = conn.info.get(PENDING)
        if staged:
            rows = list(staged)
            staged.clear()  # before writing: the writes below pass through this hook too
            write(conn, rows)


def write(
    conn: Connection,
    staged: Staged,
    *,
    computed: dict[Table, Computed] | None = None,
    claim: tuple[Table, Row] | None = None,
    guard: CatalogGuard | None = None,
) -> Written:
    """Insert every staged row, and ``claim``'s row unless it collides with a unique key, if
    ``guard`` (when given) still holds.

    ``STALE``: the guard failed; ``CLAIM_TAKEN``: the claim was not inserted. Either way the
    caller rolls back: on PostgreSQL's one statement nothing was written, but on SQLite, or
    past ``MAX_COMBINED_ROWS``, the other rows may have been, in the caller's transaction."""
    computed = computed or {}
    staged = [(table, rows) for table, rows in staged if rows]
    combined = conn.dialect.name == "postgresql" and one_statement(staged, claim)
    if not combined:
        # SQLite takes the guard with the claim, one statement fewer on the hot path; the
        # version is read on its own only without a claim, on PostgreSQL (whose select list
        # would need casts), or to tell a stale catalog from a lost claim.
        claim_guarded = guard is not None and claim is not None and conn.dialect.name == "sqlite"
        if guard is not None and not claim_guarded and not _holds(conn, guard):
            return Written.STALE
        sqlite_driver = conn.dialect.name == "sqlite"
        for table, rows in staged:
            if sqlite_driver and table not in computed:
                for names, alike in _by_columns(rows).items():
                    driver.execute(conn, _inserting_rows(table, names), alike)
            else:
                conn.execute(_inserting(table, _frozen(computed.get(table))), rows)
        if claim is None:
            return Written.DONE
        if claim_guarded and guard is not None:
            table, row = claim
            guarded = row | {"guard_tenant": guard.tenant_id, "guard_version": guard.version}
            if driver.execute(conn, _claiming_if_current(table, tuple(row)), [guarded]):
                return Written.DONE
            return Written.CLAIM_TAKEN if _holds(conn, guard) else Written.STALE
        return Written.DONE if insert_ignore(conn, claim[0], claim[1]) else Written.CLAIM_TAKEN
    shape: list[tuple[Table, tuple[str, ...]]] = []
    params: Row = {}
    for table, rows in staged:
        for row in rows:
            n = len(shape)
            shape.append((table, tuple(row)))
            params.update({f"w{n}_{name}": value for name, value in row.items()})
    if claim is not None:
        params.update({f"claim_{name}": value for name, value in claim[1].items()})
    if guard is not None:
        params.update(guard_tenant=guard.tenant_id, guard_version=guard.version)
    frozen = tuple((table, _frozen(c)) for table, c in computed.items())
    claim_shape = (claim[0], tuple(claim[1])) if claim is not None else None
    if guard is None and claim is None:
        conn.execute(_combined(tuple(shape), frozen), params)
        return Written.DONE
    fresh, claimed = conn.execute(
        _gated(tuple(shape), claim_shape, frozen, guard is not None), params
    ).one()
    if not fresh:
        return Written.STALE
    return Written.DONE if claimed else Written.CLAIM_TAKEN


def _by_columns(rows: list[Row]) -> dict[tuple[str, ...], list[Row]]:
    """Rows grouped by the columns they give, each group one ``INSERT`` of exactly those."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return groups


def one_statement(staged: Staged, claim: tuple[Table, Row] | None) -> bool:
    """Whether ``write`` sends these rows to PostgreSQL as a single statement."""
    count = sum(len(rows) for _, rows in staged) + (claim is not None)
    return 0 < count <= MAX_COMBINED_ROWS


def _holds(conn: Connection, guard: CatalogGuard) -> bool:
    version = conn.execute(_VERSION_NOW, {"guard_tenant": guard.tenant_id}).scalar_one()
    return bool(version == guard.version)


def _frozen(computed: Computed | None) -> tuple[tuple[str, ColumnElement[Any]], ...]:
    return tuple(sorted(computed.items())) if computed else ()


@functools.cache
def _claiming_if_current(table: Table, names: tuple[str, ...]) -> Executable:
    """SQLite: ``INSERT INTO t (...) SELECT ?, ... WHERE <version unchanged> ON CONFLICT DO
    NOTHING RETURNING key``: the claim, and the guard with it."""
    key = next(iter(table.primary_key.columns))
    values = select(*[bindparam(n, type_=table.c[n].type) for n in names]).where(
        bindparam("guard_version") == CATALOG_VERSION
    )
    statement: Executable = (
        sqlite.insert(table)
        .from_select(list(names), values)
        .on_conflict_do_nothing()
        .returning(key)
    )
    return statement


@functools.cache
def _inserting_rows(table: Table, names: tuple[str, ...]) -> Executable:
    """``INSERT`` of exactly these columns (for ``driver``: nothing filled in at execution)."""
    return insert(table).values({n: bindparam(n, type_=table.c[n].type) for n in names})


@functools.cache
def _inserting(table: Table, computed: tuple[tuple[str, ColumnElement[Any]], ...]) -> Executable:
    return insert(table).values(dict(computed)) if computed else insert(table)


@functools.lru_cache(maxsize=128)
def _combined(
    shape: tuple[tuple[Table, tuple[str, ...]], ...],
    computed: tuple[tuple[Table, tuple[tuple[str, ColumnElement[Any]], ...]], ...],
) -> Executable:
    """``WITH w0 AS (INSERT ...), ... INSERT ...``: each staged row a single-row CTE, the last
    one the main statement."""
    extra = {table: dict(c) for table, c in computed}

    def values(table: Table, names: Sequence[str], prefix: str) -> dict[str, Any]:
        given = {n: bindparam(f"{prefix}_{n}", type_=table.c[n].type) for n in names}
        return given | extra.get(table, {})

    inserts = [
        insert(table).values(values(table, names, f"w{n}"))
        for n, (table, names) in enumerate(shape)
    ]
    main = inserts.pop()
    ctes = [statement.cte(f"w{n}") for n, statement in enumerate(inserts)]
    combined: Executable = main.add_cte(*ctes) if ctes else main
    return combined


@functools.lru_cache(maxsize=128)
def _gated(
    shape: tuple[tuple[Table, tuple[str, ...]], ...],
    claim: tuple[Table, tuple[str, ...]] | None,
    computed: tuple[tuple[Table, tuple[tuple[str, ColumnElement[Any]], ...]], ...],
    guarded: bool,
) -> Executable:
    """``WITH fresh AS (SELECT 1 WHERE <version unchanged>), claimed AS (INSERT ... SELECT ...
    FROM fresh ON CONFLICT DO NOTHING RETURNING key), w0 AS (INSERT ... SELECT ... FROM
    claimed), ... SELECT <fresh?>, <claimed?>``. Each row is selected from the gate before it,
    so when the gate is empty nothing is inserted."""
    extra = {table: dict(c) for table, c in computed}

    def selected(table: Table, names: Sequence[str], prefix: str) -> tuple[list[str], Any]:
        # Cast, or PostgreSQL types a NULL parameter in a select list as text, which no
        # float or timestamp column accepts.
        given = {
            n: cast(bindparam(f"{prefix}_{n}", type_=table.c[n].type), _cast_type(table, n))
            for n in names
        }
        columns = given | extra.get(table, {})
        return list(columns), select(*columns.values())

    fresh = claimed = gate = None
    if guarded:
        fresh = gate = (
            select(literal(1).label("ok"))
            .where(bindparam("guard_version") == CATALOG_VERSION)
            .cte("fresh")
        )
    if claim is not None:
        table, claim_names = claim
        names, source = selected(table, claim_names, "claim")
        key = next(iter(table.primary_key.columns))
        claimed = gate = (
            postgresql.insert(table)
            .from_select(names, source.select_from(gate) if gate is not None else source)
            .on_conflict_do_nothing()
            .returning(key)
            .cte("claimed")
        )
    assert gate is not None, "a gated write has a guard or a claim"
    ctes = []
    for n, (table, row_names) in enumerate(shape):
        names, source = selected(table, row_names, f"w{n}")
        ctes.append(insert(table).from_select(names, source.select_from(gate)).cte(f"w{n}"))

    def rows_in(cte: Any) -> Any:
        if cte is None:
            return literal(1)
        return select(func.count()).select_from(cte).scalar_subquery()

    main = select(rows_in(fresh).label("fresh"), rows_in(claimed).label("claimed"))
    return main.add_cte(*[c for c in (fresh, claimed) if c is not None], *ctes)


def _cast_type(table: Table, name: str) -> TypeEngine[Any]:
    """A column's type to cast a parameter to; strings without their length, because a cast
    to ``VARCHAR(n)`` truncates silently where the ``INSERT`` would refuse an overlong value."""
    column_type = table.c[name].type
    return String() if isinstance(column_type, String) else column_type
