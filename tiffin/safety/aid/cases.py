"""The steps of claims and support requests (one table for both, keyed by the case's id), and
the conditional update that moves a case on only from the status it was read in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, insert, select, update

from tiffin.domain.principals import Actor
from tiffin.errors import Conflict
from tiffin.safety.aid.model import Step
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_s = tables.aid_steps.c


def add_step(uow: UnitOfWork, case_id: str, seq: int, step: Step) -> None:
    uow.conn.execute(
        insert(tables.aid_steps).values(
            case_id=case_id,
            seq=seq,
            status=step.status,
            actor_role=step.actor.role.value,
            actor_id=step.actor.id or "",
            at=step.at,
            note=step.note,
        )
    )


def steps_of(uow: UnitOfWork, case_ids: Iterable[str]) -> dict[str, list[Step]]:
    """Each case's steps in order (one query for a page of cases)."""
    found: dict[str, list[Step]] = {}
    ids = list(case_ids)
    if not ids:
        return found
    rows = uow.conn.execute(
        select(tables.aid_steps).where(_s.case_id.in_(ids)).order_by(_s.case_id, _s.seq)
    )
    for r in rows:
        found.setdefault(r.case_id, []).append(
            Step(r.status, Actor(r.actor_role, r.actor_id or None), r.at, r.note)
        )
    return found


def move_on(uow: UnitOfWork, table: Table, case_id: str, was: str, values: dict[str, Any]) -> None:
    """Write the case's new state only if nobody moved it since it was read."""
    c = table.c
    moved = uow.conn.execute(update(table).where(c.id == case_id, c.status == was).values(**values))
    if moved.rowcount != 1:
        raise Conflict("the case was changed meanwhile; read it again", code="case_changed")
