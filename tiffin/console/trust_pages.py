"""The trust desk's region: look a person up (their score and the events behind it) and the
tenant's trust policy as a form (base, period, thresholds, a weight and cap per event).

Read through the same service as ``/v1/trust``: operators only, and a person of another
tenant is not found, as in the API.
"""

from __future__ import annotations

from typing import Any

from tiffin.console.render import Visitor, operator_only, render
from tiffin.errors import Invalid
from tiffin.store.uow import UnitOfWork
from tiffin.trust import service
from tiffin.trust.policy import EVENTS, ROLES, Score

MAX_NUMBER = 20  # characters in one number field


def desk(uow: UnitOfWork, visitor: Visitor, *, role: str, subject_id: str) -> str:
    """The lookup form (with the person's score when one is asked for) and the policy form."""
    principal = operator_only(visitor)
    found: Score | None = None
    if subject_id:
        found = service.score_of(uow, principal.tenant_id, role, subject_id)
    return render(
        "_trust.html",
        visitor,
        role=role,
        subject_id=subject_id,
        score=found,
        roles=ROLES,
        events=EVENTS,
        policy=service.policy_for(uow, principal.tenant_id),
    )


def _number(values: dict[str, str], name: str) -> float:
    raw = values.get(name, "").strip()[:MAX_NUMBER]
    try:
        return float(raw)
    except ValueError:
        raise Invalid(f"{name} is a number", code="bad_policy") from None


def policy_document(values: dict[str, str], version: int) -> dict[str, Any]:
    """The posted form as the policy document PUT /v1/trust/policy takes (validated there)."""
    weights: dict[str, dict[str, dict[str, float]]] = {}
    for role, events in EVENTS.items():
        for event in events:
            points = values.get(f"points_{role}_{event}", "").strip()
            if points == "":
                continue  # an empty weight leaves the event out of the score
            weights.setdefault(role, {})[event] = {
                "points": _number(values, f"points_{role}_{event}"),
                "cap": int(_number(values, f"cap_{role}_{event}")),
            }
    return {
        "version": version,
        "base": _number(values, "base"),
        "period_days": int(_number(values, "period_days")),
        "trusted_at": _number(values, "trusted_at"),
        "watch_at": _number(values, "watch_at"),
        "weights": weights,
    }
