"""The rider-safety desk, the coordination page and the tracing page, for the tenant's operators.

``desk``: public-health mode (疫情模式) with its switch and the tenant's rules for starting a shift
as a form, the latest safety alerts (speeding, a possible fall, a long stop, the panic button),
the insurance claims with their next steps, the support requests (urgent first) to take and
close, the protective equipment stock per station (counted from a form) and the training courses
with the modes that require them. ``coordination``: the emergency roster (who is told when
public-health mode changes) and the partners (a health authority, a campus office) with their
API keys. ``traces``: tracing (流调) for the health authority: the form, a trace's result on the
answer that ran it, every query asked (who, why, about whom) and the release of a recorded trace
to a partner.

Everything is read through the services ``/v1/safety/...`` and ``/v1/partners`` use, with the
same tenant filter, so another tenant's claim, request, entry or key is not found here either.
A partner key's token is never stored: the page that issues or rotates one shows it once.
"""

from __future__ import annotations

from dataclasses import dataclass

from tiffin.console.queries import rider_names
from tiffin.console.render import Visitor, operator_only, render
from tiffin.safety import records, rules, telemetry, tracing
from tiffin.safety.aid import claims, roster, support
from tiffin.safety.aid.model import CLAIM_FLOW, ClaimStatus, SupportStatus
from tiffin.safety.partners import keys
from tiffin.store.uow import UnitOfWork

ROWS = 50  # per list on these pages; the API pages through the rest
ALERTS = 20


def desk(uow: UnitOfWork, visitor: Visitor) -> str:
    """Alerts, claims (still moving first) and support requests of the operator's tenant, its
    protective equipment stock per station and its training courses."""
    principal = operator_only(visitor)
    tenant = principal.tenant_id
    alerts = telemetry.alerts_of(uow, tenant, limit=ALERTS)
    found_claims = claims.claims(uow, tenant, limit=ROWS)
    found_claims.sort(key=lambda c: not CLAIM_FLOW[c.status])  # open ones first, stable
    found_requests = support.requests(uow, tenant, limit=ROWS)
    found_requests.sort(key=lambda r: r.status is SupportStatus.CLOSED)
    riders = {a["rider_id"] for a in alerts}
    riders |= {c.rider_id for c in found_claims} | {r.rider_id for r in found_requests}
    return render(
        "_safety.html",
        visitor,
        alerts=alerts,
        claims=found_claims,
        next_steps={c.id: sorted(CLAIM_FLOW[c.status]) for c in found_claims},
        paid=ClaimStatus.PAID,
        requests=found_requests,
        closed=SupportStatus.CLOSED,
        names=rider_names(uow, tenant, riders),
        rules=rules.rules_of(uow, tenant),
        stock=records.stock_of(uow, tenant, limit=ROWS),
        courses=records.courses_of(uow, tenant, limit=ROWS),
    )


@dataclass(frozen=True)
class PartnerRow:
    id: str
    name: str
    keys: list[keys.PartnerKey]


def coordination(uow: UnitOfWork, visitor: Visitor, *, issued: tuple[str, str] | None) -> str:
    """The roster and the partners with their keys; ``issued`` (key id, token) is a key just
    issued or rotated, whose token this one answer shows."""
    principal = operator_only(visitor)
    tenant = principal.tenant_id
    now = uow.clock.now()
    partners = [
        PartnerRow(p["id"], p["name"], keys.keys_of(uow, tenant, p["id"]))
        for p in keys.partners_of(uow, tenant, limit=ROWS, offset=0)
    ]
    return render(
        "_coordination.html",
        visitor,
        entries=roster.entries(uow, principal, limit=ROWS),
        now=now,
        scopes=list(roster.Scope),
        channels=list(roster.Channel),
        roster_languages=roster.LANGUAGES,
        partners=partners,
        key_scopes=list(keys.Scope),
        issued=issued,
    )


def traces(uow: UnitOfWork, visitor: Visitor, *, found: tracing.Trace | None) -> str:
    """The tracing form, ``found`` (a trace just run: shown on that answer only, never in a
    URL), the record of every query asked and the partners a trace can be released to."""
    principal = operator_only(visitor)
    tenant = principal.tenant_id
    return render(
        "_tracing.html",
        visitor,
        subjects=list(tracing.Subject),
        found=found,
        asked=tracing.traces_asked(uow, tenant, limit=ROWS),
        partners=keys.partners_of(uow, tenant, limit=ROWS, offset=0),
    )
