"""The operator's desk pages beyond the main console: an order's timeline, drawing a risk zone
on the campus map, the compensation ledger, and the playbook and compensation policy as forms
with their version history. Each checks the operator role and the tenant as the API does."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from tiffin.anomalies import queries as anomaly_queries
from tiffin.care import ledger as care_ledger
from tiffin.care.queries import policy_for
from tiffin.console import desk_queries, queries
from tiffin.console.map import HEIGHT, MARGIN, WIDTH, canvas_for
from tiffin.console.render import Visitor, operator_only, render
from tiffin.domain.anomalies import AnomalyType, Liability
from tiffin.ordering import service as ordering
from tiffin.store.uow import UnitOfWork

# The compensation policy's top-level thresholds, edited as number fields (the rules, segment
# factors and make-good tiers stay one JSON document: they are lists of nested records).
POLICY_FIELDS = (
    ("daily_budget_cents", "Daily goodwill budget (cents)"),
    ("per_customer_cap_cents", "Goodwill per customer per period (cents)"),
    ("per_customer_max_grants", "Grants per customer per period"),
    ("period_days", "Period (days)"),
    ("max_pushes_per_order", "Trouble messages per order"),
    ("coalesce_minutes", "Minutes a newer message replaces the last"),
)
NESTED = ("rules", "segment_factor", "make_good")


def order_timeline(uow: UnitOfWork, visitor: Visitor, order_id: str) -> str:
    """One order of the tenant as the operator follows it: each step with who and why, the
    offers made for it (with refusals), and the anomalies raised on it."""
    principal = operator_only(visitor)
    order = ordering.visible_order(uow, principal, order_id)  # 404 for another tenant's
    offers, raised = desk_queries.order_story(uow, order.id)
    return render(
        "_order_timeline.html",
        visitor,
        order=order,
        merchant=uow.merchants.get(order.merchant_id),
        offers=offers,
        anomalies=raised,
    )


@dataclass(frozen=True)
class ZoneDraft:
    """The risk-zone form as typed, shown again with the service's refusal."""

    name: str = ""
    points: str = ""  # one ``lat,lon`` per line
    handoff: str = ""
    hours: str = "2"
    reason: str = ""
    level: str = "high"
    errors: list[str] = field(default_factory=list)


def zone_draw(uow: UnitOfWork, visitor: Visitor, now: datetime, draft: ZoneDraft) -> str:
    """The campus drawn as on the live map, clickable: each click adds a corner (console.js
    writes ``lat,lon`` lines into the textarea, which works without it too)."""
    principal = operator_only(visitor)
    state = queries.map_state(uow, principal.tenant_id, now)
    canvas = canvas_for(
        chain(
            (p for z in state.zones for p in z.polygon),
            (p for z in state.risk_zones for p in z.polygon),
            (d.at for d in chain(state.merchants, state.riders, state.orders)),
        )
    )
    return render(
        "_zone_draw.html",
        visitor,
        map=state,
        canvas=canvas,
        width=WIDTH,
        height=HEIGHT,
        margin=MARGIN,
        draft=draft,
        levels=("high", "medium", "low"),
    )


def care_ledger_page(
    uow: UnitOfWork, visitor: Visitor, now: datetime, wanted: desk_queries.LedgerFilter
) -> str:
    """The compensation ledger, filtered, with totals and today's budget left."""
    principal = operator_only(visitor)
    used = care_ledger.budget_used(uow, principal.tenant_id, now)
    budget = policy_for(uow, principal.tenant_id).daily_budget_cents
    return render(
        "_ledger.html",
        visitor,
        ledger=desk_queries.ledger(uow, principal.tenant_id, wanted, visitor.tz),
        wanted=wanted,
        reasons=[t.value for t in AnomalyType] + ["incident"],
        liables=[x.value for x in Liability],
        budget_used=used,
        budget_left=max(budget - used, 0),
    )


@dataclass(frozen=True)
class PolicyDraft:
    """What the operator typed into a policy form, shown again with the refusal."""

    kind: str
    fields: dict[str, str] = field(default_factory=dict)
    document: str = ""
    errors: list[str] = field(default_factory=list)


def current_draft(uow: UnitOfWork, tenant_id: str, kind: str) -> PolicyDraft:
    """The document in force as a form."""
    current = (
        policy_for(uow, tenant_id)
        if kind == "compensation"
        else anomaly_queries.playbook_for(uow, tenant_id)
    )
    return draft_of(kind, current.model_dump(mode="json"))


def draft_of(kind: str, doc: dict[str, Any]) -> PolicyDraft:
    """A stored document as a form: thresholds as fields, the rest as indented JSON."""
    if kind != "compensation":
        return PolicyDraft(kind, {"version": str(doc["version"])}, json.dumps(doc, indent=2))
    fields = {k: str(doc.get(k, "")) for k, _ in POLICY_FIELDS} | {"version": str(doc["version"])}
    nested = {k: doc[k] for k in NESTED if k in doc}
    return PolicyDraft(kind, fields, json.dumps(nested, indent=2, ensure_ascii=False))


def document_of(draft: PolicyDraft) -> dict[str, Any]:
    """The document to save from the form, or ``ValueError`` naming what is wrong."""
    try:
        body = json.loads(draft.document or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"the JSON does not parse: line {exc.lineno}: {exc.msg}") from None
    if not isinstance(body, dict):
        raise ValueError("the JSON must be an object")
    if draft.kind == "compensation":
        for name, _ in POLICY_FIELDS:
            raw = draft.fields.get(name, "").strip()
            if not raw.isdigit():
                raise ValueError(f"{name}: a whole number")
            body[name] = int(raw)
    version = draft.fields.get("version", "").strip()
    if not version.isdigit():
        raise ValueError("version: a whole number")
    body["version"] = int(version)
    return body


def policies(
    uow: UnitOfWork,
    visitor: Visitor,
    kind: str,
    draft: PolicyDraft | None,
    *,
    from_version: int | None = None,
) -> str:
    """The playbook or the compensation policy as a form (the one in force, or an older saved
    version loaded to be saved again), with its saved versions."""
    principal = operator_only(visitor)
    saved = desk_queries.versions(uow, principal.tenant_id, kind)
    shown = draft
    older = [v for v in saved if v["version"] == from_version] if draft is None else []
    if shown is None:
        in_force = current_draft(uow, principal.tenant_id, kind)
        shown = draft_of(kind, older[0]["document"]) if older else in_force
        shown.fields["version"] = str(int(in_force.fields["version"]) + 1)
    return render(
        "_policies.html",
        visitor,
        kind=kind,
        draft=shown,
        loaded=older[0]["version"] if older else None,
        policy_fields=POLICY_FIELDS if kind == "compensation" else (),
        versions=saved,
    )
