"""/console/safety (alerts, insurance claims, support requests, stock, courses),
/console/coordination (the emergency roster, partners and their keys) and /console/tracing
(traces for the health authority), for the tenant's operators.

The forms call the services ``/v1/safety/...`` and ``/v1/partners`` call, validated by the
API's own request models, so a form is refused exactly where the API would be (the page shows
the code). A claim's or request's next step is checked by its flow, so a form sent twice is
refused the second time (``bad_claim_step``) instead of taking two steps. Issuing or rotating
a partner key answers with the page itself, showing the new token that once; running a
trace answers with its result the same way, so personal data never sits in a URL or a later
page, and each run is recorded (who, why) by the service as on the API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tiffin.api.deps import PlatformDep
from tiffin.console import safety_pages
from tiffin.console.render import Visitor
from tiffin.console.views.base import (
    as_operator,
    local_moment,
    page,
    redirect,
)
from tiffin.console.views.tools import cents
from tiffin.domain.principals import Principal
from tiffin.safety import records, rules, tracing
from tiffin.safety.aid import claims, roster, support
from tiffin.safety.aid.schemas import ClaimStepIn, CloseIn, RosterCreate
from tiffin.safety.partners import data as partner_data
from tiffin.safety.partners import keys
from tiffin.safety.partners.schemas import KeyCreate, KeyRotate, PartnerCreate
from tiffin.safety.schemas import ModeIn, SafetyRulesIn, StockIn, TraceCreate
from tiffin.store.uow import UnitOfWork

T = TypeVar("T")

router = APIRouter(include_in_schema=False)
DESK = "/console/safety"
COORDINATION = "/console/coordination"
TRACING = "/console/tracing"
MAX_ID = 120  # a path id longer than any tiffin makes is not looked up
Values = dict[str, str]
Action = Callable[[UnitOfWork, Principal, Values], T]


async def _operator_form(
    request: Request, platform: PlatformDep, back: str, action: Action[None]
) -> Response:
    """Check the form, run ``action`` in one unit of work as the signed-in operator and go
    back to ``back`` (with the refusal's code)."""
    done = await as_operator(request, platform, back, action)
    return done if isinstance(done, Response) else redirect(back)


async def _operator_answer(
    request: Request,
    platform: PlatformDep,
    back: str,
    title: str,
    action: Action[T],
    region: Callable[[UnitOfWork, Visitor, T], str],
) -> Response:
    """As ``_operator_form``, but answer with the page itself showing what ``action`` made (a
    key's token, a trace's result): not a redirect, so it never travels in a URL and never
    has to be kept to be shown on a later request."""
    made = await as_operator(request, platform, back, action)
    if isinstance(made, Response):
        return made
    return await page(request, platform, title, lambda uow, v: region(uow, v, made), live=None)


# --- /console/safety --------------------------------------------------------------------------


@router.get(DESK, response_class=HTMLResponse)
async def safety_desk(request: Request, platform: PlatformDep) -> Response:
    return await page(request, platform, "Rider safety", safety_pages.desk, live=None)


@router.post(DESK + "/mode")
async def switch_mode(request: Request, platform: PlatformDep) -> Response:
    """Public-health mode on or off, with why (the roster is told of a real change)."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        body = ModeIn.model_validate(
            {"on": values.get("on", ""), "reason": values.get("reason", "")}, strict=False
        )
        rules.set_public_health_mode(uow, principal, on=body.on, reason=body.reason)

    return await _operator_form(request, platform, DESK, action)


RULE_BOXES = ("require_checkin", "require_negative_test", "require_training", "require_insurance")
RULE_NUMBERS = ("max_temperature_c", "checkin_valid_hours", "retention_days")


@router.post(DESK + "/rules")
async def save_rules(request: Request, platform: PlatformDep) -> Response:
    """The tenant's rules for starting a shift (an unticked box is a rule switched off)."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        fields: dict[str, object] = {name: values.get(name) == "on" for name in RULE_BOXES}
        fields |= {name: values.get(name, "").strip() for name in RULE_NUMBERS}
        fields["reason"] = values.get("reason", "")
        body = SafetyRulesIn.model_validate(fields, strict=False)
        rules.set_rules(uow, principal, body.to_policy(), body.reason)

    return await _operator_form(request, platform, DESK, action)


@router.post(DESK + "/claims/{claim_id}/step")
async def claim_step(claim_id: str, request: Request, platform: PlatformDep) -> Response:
    """The claim's next step (in review, approved or rejected with a reason, paid)."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        paid = values.get("paid", "").strip()
        body = ClaimStepIn.model_validate(
            {
                "status": values.get("to", ""),
                "note": values.get("note", ""),
                "paid_cents": cents(paid) if paid else None,
            },
            strict=False,
        )
        claims.advance_claim(
            uow,
            principal,
            claim_id[:MAX_ID],
            to=body.status,
            note=body.note,
            paid_cents=body.paid_cents,
        )

    return await _operator_form(request, platform, DESK, action)


@router.post(DESK + "/support/{request_id}/assign")
async def take_request(request_id: str, request: Request, platform: PlatformDep) -> Response:
    """The signed-in operator takes the request."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        support.assign(uow, principal, request_id[:MAX_ID], to=None, note="")

    return await _operator_form(request, platform, DESK, action)


@router.post(DESK + "/support/{request_id}/close")
async def close_request(request_id: str, request: Request, platform: PlatformDep) -> Response:
    """Close the request, saying what was done."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        body = CloseIn.model_validate({"note": values.get("note", "")}, strict=False)
        support.close(uow, principal, request_id[:MAX_ID], note=body.note)

    return await _operator_form(request, platform, DESK, action)


@router.post(DESK + "/stock")
async def count_stock(request: Request, platform: PlatformDep) -> Response:
    """An operator's count of an item at a station (replaces the last count)."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        body = StockIn.model_validate(
            {name: values.get(name, "").strip() for name in ("station", "item", "quantity")},
            strict=False,
        )
        records.set_stock(
            uow, principal, station=body.station, item=body.item, quantity=body.quantity
        )

    return await _operator_form(request, platform, DESK, action)


# --- /console/coordination --------------------------------------------------------------------


@router.get(COORDINATION, response_class=HTMLResponse)
async def coordination(request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Roster and partners",
        lambda uow, v: safety_pages.coordination(uow, v, issued=None),
        live=None,
    )


@router.post("/console/roster")
async def add_roster_entry(request: Request, platform: PlatformDep) -> Response:
    """Put someone on call; they are told when public-health mode changes during the watch."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        body = RosterCreate.model_validate(
            {
                "scope": values.get("scope", ""),
                "merchant_id": values.get("merchant_id", "").strip() or None,
                "name": values.get("name", ""),
                "role": values.get("role", ""),
                "channel": values.get("channel", ""),
                "address": values.get("address", "").strip(),
                "language": values.get("language", ""),
                "on_call_from": local_moment(uow, principal, values.get("on_call_from", "")),
                "on_call_until": local_moment(uow, principal, values.get("on_call_until", "")),
            },
            strict=False,
        )
        roster.add_entry(
            uow,
            principal,
            scope=body.scope,
            merchant_id=body.merchant_id,
            name=body.name,
            role=body.role,
            channel=body.channel,
            address=body.address,
            language=body.language,
            on_call_from=body.on_call_from,
            on_call_until=body.on_call_until,
        )

    return await _operator_form(request, platform, COORDINATION, action)


@router.post("/console/roster/{entry_id}/remove")
async def remove_roster_entry(entry_id: str, request: Request, platform: PlatformDep) -> Response:
    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        roster.remove_entry(uow, principal, entry_id[:MAX_ID])

    return await _operator_form(request, platform, COORDINATION, action)


@router.post("/console/partners")
async def add_partner(request: Request, platform: PlatformDep) -> Response:
    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        body = PartnerCreate.model_validate({"name": values.get("name", "")}, strict=False)
        keys.create_partner(uow, principal, body.name)

    return await _operator_form(request, platform, COORDINATION, action)


@router.post("/console/partners/keys/{key_id}/revoke")
async def revoke_key(key_id: str, request: Request, platform: PlatformDep) -> Response:
    """The key stops working now."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        keys.revoke_key(uow, principal, key_id[:MAX_ID])

    return await _operator_form(request, platform, COORDINATION, action)


def _with_token(uow: UnitOfWork, visitor: Visitor, issued: tuple[str, str]) -> str:
    return safety_pages.coordination(uow, visitor, issued=issued)


@router.post("/console/partners/{partner_id}/keys")
async def issue_key(partner_id: str, request: Request, platform: PlatformDep) -> Response:
    """A new key with the ticked scopes (each checkbox is named ``scope:<scope>``), its token
    shown on this answer."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> tuple[str, str]:
        ticked = [s.value for s in keys.Scope if values.get(f"scope:{s.value}") == "on"]
        body = KeyCreate.model_validate({"scopes": ticked}, strict=False)
        key, token = keys.issue_key(uow, principal, partner_id[:MAX_ID], body.scopes)
        return key.id, token

    return await _operator_answer(
        request, platform, COORDINATION, "Roster and partners", action, _with_token
    )


@router.post("/console/partners/keys/{key_id}/rotate")
async def rotate_key(key_id: str, request: Request, platform: PlatformDep) -> Response:
    """A new key with the old one's scopes; the old one works for the minutes given."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> tuple[str, str]:
        grace = values.get("grace_minutes", "").strip() or "60"
        body = KeyRotate.model_validate({"grace_minutes": grace}, strict=False)
        minutes = timedelta(minutes=body.grace_minutes)
        key, token = keys.rotate_key(uow, principal, key_id[:MAX_ID], grace=minutes)
        return key.id, token

    return await _operator_answer(
        request, platform, COORDINATION, "Roster and partners", action, _with_token
    )


# --- /console/tracing -------------------------------------------------------------------------


@router.get(TRACING, response_class=HTMLResponse)
async def tracing_page(request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Tracing",
        lambda uow, v: safety_pages.traces(uow, v, found=None),
        live=None,
    )


def _with_result(uow: UnitOfWork, visitor: Visitor, found: tracing.Trace) -> str:
    return safety_pages.traces(uow, visitor, found=found)


@router.post(TRACING)
async def run_trace(request: Request, platform: PlatformDep) -> Response:
    """Run and record a trace (the API's model and service), answering with its result."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> tracing.Trace:
        lat, lon = values.get("lat", "").strip(), values.get("lon", "").strip()
        body = TraceCreate.model_validate(
            {
                "subject": values.get("subject", ""),
                "subject_id": values.get("subject_id", "").strip() or None,
                "place": {"lat": lat, "lon": lon} if lat or lon else None,
                "since": local_moment(uow, principal, values.get("since", "")),
                "until": local_moment(uow, principal, values.get("until", "")),
                "radius_m": values.get("radius_m", "").strip() or "50",
                "why": values.get("why", ""),
            },
            strict=False,
        )
        return tracing.run_trace(uow, principal, body.to_domain())

    return await _operator_answer(request, platform, TRACING, "Tracing", action, _with_result)


@router.post(TRACING + "/{trace_id}/release")
async def release_trace(trace_id: str, request: Request, platform: PlatformDep) -> Response:
    """Hand a recorded trace's export to a partner of the tenant (the only way it leaves)."""

    def action(uow: UnitOfWork, principal: Principal, values: Values) -> None:
        partner_id = values.get("partner_id", "")[:MAX_ID]
        partner_data.release(uow, principal, partner_id, trace_id[:MAX_ID])

    return await _operator_form(request, platform, TRACING, action)
