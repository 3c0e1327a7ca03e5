"""Each tenant's rider safety rules and public-health mode, as its operators set them.

The defaults (``SafetyRules()``) require nothing, so a tenant that never set rules runs as
before; every change is an event in the outbox (who, when, why).
"""

from __future__ import annotations

from dataclasses import asdict, replace

from sqlalchemy.dialects import postgresql, sqlite

from tiffin.domain.events import PublicHealthModeChanged, SafetyRulesChanged
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid
from tiffin.safety.policy import SafetyRules
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

_c = tables.safety_rules.c
_FIELDS = tuple(SafetyRules.__dataclass_fields__)


def rules_of(uow: UnitOfWork, tenant_id: str) -> SafetyRules:
    """The tenant's rules, or the defaults if its operators never set any."""
    row = uow.safety_rules.of(tenant_id)
    return SafetyRules() if row is None else SafetyRules(**{k: row[k] for k in _FIELDS})


def _store(uow: UnitOfWork, principal: Principal, rules: SafetyRules) -> None:
    values = {**asdict(rules), "updated_by": principal.user_id, "updated_at": uow.clock.now()}
    dialect = postgresql if uow.conn.dialect.name == "postgresql" else sqlite
    uow.conn.execute(
        dialect.insert(tables.safety_rules)
        .values(tenant_id=principal.tenant_id, **values)
        .on_conflict_do_update(index_elements=[_c.tenant_id], set_=values)
    )


def set_rules(uow: UnitOfWork, principal: Principal, rules: SafetyRules, reason: str) -> None:
    """Replace the tenant's rules (the mode is kept: it has its own switch and event)."""
    if not reason.strip():
        raise Invalid("say why the safety rules change", code="reason_required")
    current = rules_of(uow, principal.tenant_id)
    rules = replace(rules, public_health_mode=current.public_health_mode)
    _store(uow, principal, rules)
    uow.emit(
        SafetyRulesChanged(
            aggregate_id=principal.tenant_id,
            tenant_id=principal.tenant_id,
            at=uow.clock.now(),
            actor=principal.actor,
            reason=reason,
            require_checkin=rules.require_checkin,
            require_training=rules.require_training,
            require_insurance=rules.require_insurance,
            retention_days=rules.retention_days,
        )
    )


def set_public_health_mode(
    uow: UnitOfWork, principal: Principal, *, on: bool, reason: str
) -> SafetyRules:
    """Switch public-health mode (疫情模式); it tightens shift and dispatch rules at once. Only a
    real change is an event (the emergency roster is told of it): switching on what is on
    changes nothing."""
    if not reason.strip():
        raise Invalid("say why the mode changes", code="reason_required")
    current = rules_of(uow, principal.tenant_id)
    if current.public_health_mode == on:
        return current
    rules = replace(current, public_health_mode=on)
    _store(uow, principal, rules)
    uow.emit(
        PublicHealthModeChanged(
            aggregate_id=principal.tenant_id,
            tenant_id=principal.tenant_id,
            at=uow.clock.now(),
            actor=principal.actor,
            reason=reason,
            on=on,
        )
    )
    return rules
