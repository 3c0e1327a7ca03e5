"""Each tenant's dispatch mode, live: operators declare weather warnings and incidents, the
dispatcher watches its backlog, and the weights follow (``tiffin.optimiser.modes``).

The mode's state (and how long the backlog has been high or low) is a row per tenant, so the
hysteresis survives restarts and a dispatcher taking over from another process. Every switch is
a ``DispatchModeChanged`` event in the outbox and a row in the tenant's switch log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update

from tiffin.domain.events import DispatchModeChanged
from tiffin.domain.ids import new_id
from tiffin.domain.principals import Principal
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.optimiser.modes import Mode, ModeChange, ModeState, SwitchRule, step
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_m = tables.dispatch_modes.c
_d = tables.dispatch_declarations.c
_x = tables.dispatch_mode_changes.c


class DeclarationKind(StrEnum):
    WEATHER_WARNING = "weather_warning"
    INCIDENT = "incident"


@dataclass(frozen=True)
class Declaration:
    id: str
    kind: DeclarationKind
    note: str
    declared_by: str
    declared_at: datetime
    lifted_at: datetime | None = None


@dataclass(frozen=True)
class LoggedChange:
    at: datetime
    previous: Mode
    mode: Mode
    reason: str


@dataclass(frozen=True)
class ModeView:
    """What operators see: the mode, since when and why, what is declared, recent switches."""

    mode: Mode
    since: datetime | None
    reason: str
    declarations: tuple[Declaration, ...]
    changes: tuple[LoggedChange, ...]


def _state(uow: UnitOfWork, tenant_id: str) -> tuple[ModeState, str, datetime | None]:
    row = uow.conn.execute(select(tables.dispatch_modes).where(_m.tenant_id == tenant_id)).first()
    if row is None:
        return ModeState(), "", None
    return (
        ModeState(Mode(row.mode), 0, row.above_since, row.below_since),
        row.reason,
        row.since,
    )


def active_declarations(uow: UnitOfWork, tenant_id: str) -> tuple[Declaration, ...]:
    rows = uow.conn.execute(
        select(tables.dispatch_declarations)
        .where(_d.tenant_id == tenant_id, _d.lifted_at.is_(None))
        .order_by(_d.declared_at, _d.id)
    ).all()
    return tuple(
        Declaration(
            r.id, DeclarationKind(r.kind), r.note, r.declared_by, r.declared_at, r.lifted_at
        )
        for r in rows
    )


def observe(
    uow: UnitOfWork, tenant_id: str, minute: int, load: float, rule: SwitchRule | None = None
) -> Mode:
    """One observation by the dispatcher (backlog per rider at ``minute``): advance the
    tenant's mode, log and emit a switch, and return the mode to dispatch with."""
    state, _reason, since = _state(uow, tenant_id)
    declared = [f"{d.kind.value}: {d.note}" for d in active_declarations(uow, tenant_id)]
    new, change = step(state, minute, load, declared, rule)
    _save(uow, tenant_id, new, change, since)
    return new.mode


def _save(
    uow: UnitOfWork,
    tenant_id: str,
    state: ModeState,
    change: ModeChange | None,
    since: datetime | None,
) -> None:
    now = uow.clock.now()
    values = {
        "mode": state.mode.value,
        "above_since": state.above_since,
        "below_since": state.below_since,
        "updated_at": now,
    }
    if change is not None:
        values |= {"since": now, "reason": change.reason[:300]}
    if since is None:  # first observation for this tenant
        uow.conn.execute(
            tables.dispatch_modes.insert().values(
                tenant_id=tenant_id,
                **({"since": now, "reason": "normal until something says otherwise"} | values),
            )
        )
    else:
        uow.conn.execute(
            update(tables.dispatch_modes).where(_m.tenant_id == tenant_id).values(**values)
        )
    if change is None:
        return
    uow.conn.execute(
        tables.dispatch_mode_changes.insert().values(
            tenant_id=tenant_id,
            at=now,
            previous=change.previous.value,
            mode=change.mode.value,
            reason=change.reason[:300],
        )
    )
    uow.emit(
        DispatchModeChanged(
            aggregate_id=tenant_id,
            tenant_id=tenant_id,
            at=now,
            reason=change.reason,
            previous=change.previous.value,
            mode=change.mode.value,
        )
    )


def declare(uow: UnitOfWork, principal: Principal, kind: DeclarationKind, note: str) -> str:
    """An operator declares a weather warning or an incident: crisis from the next cycle."""
    if not note.strip():
        raise Invalid("say what is happening", code="note_required")
    declaration_id = new_id("dcl")
    uow.conn.execute(
        tables.dispatch_declarations.insert().values(
            id=declaration_id,
            tenant_id=principal.tenant_id,
            kind=kind.value,
            note=note,
            declared_by=principal.user_id,
            declared_at=uow.clock.now(),
        )
    )
    return declaration_id


def lift(uow: UnitOfWork, principal: Principal, declaration_id: str, reason: str) -> None:
    """Lift a declaration of the operator's tenant; crisis ends once the backlog is low too."""
    if not reason.strip():
        raise Invalid("say why it is lifted", code="reason_required")
    row = uow.conn.execute(
        select(_d.lifted_at).where(_d.id == declaration_id, _d.tenant_id == principal.tenant_id)
    ).first()
    if row is None:
        raise NotFound("no such declaration", code="declaration_not_found")
    if row.lifted_at is not None:
        raise Conflict("this declaration was already lifted", code="already_lifted")
    uow.conn.execute(
        update(tables.dispatch_declarations)
        .where(_d.id == declaration_id)
        .values(lifted_at=uow.clock.now(), lifted_by=principal.user_id, lift_reason=reason)
    )


def view(uow: UnitOfWork, tenant_id: str, limit: int = 20, offset: int = 0) -> ModeView:
    """The tenant's mode for operators, with a page of its switch log (newest first)."""
    state, reason, since = _state(uow, tenant_id)
    rows = uow.conn.execute(
        select(tables.dispatch_mode_changes)
        .where(_x.tenant_id == tenant_id)
        .order_by(_x.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return ModeView(
        state.mode,
        since,
        reason,
        active_declarations(uow, tenant_id),
        tuple(LoggedChange(r.at, Mode(r.previous), Mode(r.mode), r.reason) for r in rows),
    )
