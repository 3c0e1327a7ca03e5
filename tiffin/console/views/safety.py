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

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tiffin.api.deps import PlatformDep
from tiffin.console import safety_pages
from tiffin.console.views.base import (
    local_moment,
    page,
    problem_redirect,
    require_operator,
    signed_in,
    submit,
    to_login,
)
from tiffin.console.views.tools import cents
from tiffin.domain.principals import Principal
from tiffin.errors import TiffinError
from tiffin.safety import records, rules, tracing
from tiffin.safety.aid import claims, roster, support
from tiffin.safety.aid.schemas import ClaimStepIn, CloseIn, RosterCreate
from tiffin.safety.partners import data as partner_data
from tiffin.safety.partners import keys
from tiffin.safety.partners.schemas import KeyCreate, KeyRotate, PartnerCreate
from tiffin.safety.schemas import ModeIn, SafetyRulesIn, StockIn, TraceCreate

router = APIRouter(include_in_schema=False)
DESK = "/console/safety"
COORDINATION = "/console/coordination"
MAX_ID = 120  # a path id longer than any tiffin makes is not looked up
_KeyWork = Callable[[Principal, dict[str, str]], tuple[str, str]]  # -> (key id, token)


@router.get(DESK, response_class=HTMLResponse)
async def safety_desk(request: Request, platform: PlatformDep) -> Response:
    return await page(request, platform, "Rider safety", safety_pages.desk, live=None)


@router.post(DESK + "/mode")
async def switch_mode(request: Request, platform: PlatformDep) -> Response:
    """Public-health mode on or off, with why (the roster is told of a real change)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        body = ModeIn.model_validate(
            {"on": values.get("on", ""), "reason": values.get("reason", "")}, strict=False
        )
        with platform.uow() as uow:
            rules.set_public_health_mode(uow, principal, on=body.on, reason=body.reason)
            uow.commit()

    return await submit(request, platform, DESK, work)


@router.post(DESK + "/rules")
async def save_rules(request: Request, platform: PlatformDep) -> Response:
    """The tenant's rules for starting a shift (an unticked box is a rule switched off)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        ticked = {
            name: values.get(name) == "on"
            for name in (
                "require_checkin",
                "require_negative_test",
                "require_training",
                "require_insurance",
            )
        }
        numbers = {
            name: values.get(name, "").strip()
            for name in ("max_temperature_c", "checkin_valid_hours", "retention_days")
        }
        body = SafetyRulesIn.model_validate(
            {**ticked, **numbers, "reason": values.get("reason", "")}, strict=False
        )
        with platform.uow() as uow:
            rules.set_rules(uow, principal, body.to_policy(), body.reason)
            uow.commit()

    return await submit(request, platform, DESK, work)


@router.post(DESK + "/claims/{claim_id}/step")
async def claim_step(claim_id: str, request: Request, platform: PlatformDep) -> Response:
    """The claim's next step (in review, approved or rejected with a reason, paid)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        paid = values.get("paid", "").strip()
        body = ClaimStepIn.model_validate(
            {
                "status": values.get("to", ""),
                "note": values.get("note", ""),
                "paid_cents": cents(paid) if paid else None,
            },
            strict=False,
        )
        with platform.uow() as uow:
            claims.advance_claim(
                uow,
                principal,
                claim_id[:MAX_ID],
                to=body.status,
                note=body.note,
                paid_cents=body.paid_cents,
            )
            uow.commit()

    return await submit(request, platform, DESK, work)


@router.post(DESK + "/support/{request_id}/assign")
async def take_request(request_id: str, request: Request, platform: PlatformDep) -> Response:
    """The signed-in operator takes the request."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
            support.assign(uow, principal, request_id[:MAX_ID], to=None, note="")
            uow.commit()

    return await submit(request, platform, DESK, work)


@router.post(DESK + "/support/{request_id}/close")
async def close_request(request_id: str, request: Request, platform: PlatformDep) -> Response:
    """Close the request, saying what was done."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        body = CloseIn.model_validate({"note": values.get("note", "")}, strict=False)
        with platform.uow() as uow:
            support.close(uow, principal, request_id[:MAX_ID], note=body.note)
            uow.commit()

    return await submit(request, platform, DESK, work)


@router.post(DESK + "/stock")
async def count_stock(request: Request, platform: PlatformDep) -> Response:
    """An operator's count of an item at a station (replaces the last count)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        body = StockIn.model_validate(
            {
                "station": values.get("station", "").strip(),
                "item": values.get("item", "").strip(),
                "quantity": values.get("quantity", "").strip(),
            },
            strict=False,
        )
        with platform.uow() as uow:
            records.set_stock(
                uow, principal, station=body.station, item=body.item, quantity=body.quantity
            )
            uow.commit()

    return await submit(request, platform, DESK, work)


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

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
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
            uow.commit()

    return await submit(request, platform, COORDINATION, work)


@router.post("/console/roster/{entry_id}/remove")
async def remove_roster_entry(entry_id: str, request: Request, platform: PlatformDep) -> Response:
    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
            roster.remove_entry(uow, principal, entry_id[:MAX_ID])
            uow.commit()

    return await submit(request, platform, COORDINATION, work)


@router.post("/console/partners")
async def add_partner(request: Request, platform: PlatformDep) -> Response:
    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        body = PartnerCreate.model_validate({"name": values.get("name", "")}, strict=False)
        with platform.uow() as uow:
            keys.create_partner(uow, principal, body.name)
            uow.commit()

    return await submit(request, platform, COORDINATION, work)


@router.post("/console/partners/keys/{key_id}/revoke")
async def revoke_key(key_id: str, request: Request, platform: PlatformDep) -> Response:
    """The key stops working now."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
            keys.revoke_key(uow, principal, key_id[:MAX_ID])
            uow.commit()

    return await submit(request, platform, COORDINATION, work)


@router.post("/console/partners/{partner_id}/keys")
async def issue_key(partner_id: str, request: Request, platform: PlatformDep) -> Response:
    """A new key with the ticked scopes (each checkbox is named ``scope:<scope>``)."""

    def work(principal: Principal, values: dict[str, str]) -> tuple[str, str]:
        require_operator(principal)
        ticked = [s.value for s in keys.Scope if values.get(f"scope:{s.value}") == "on"]
        body = KeyCreate.model_validate({"scopes": ticked}, strict=False)
        with platform.uow() as uow:
            key, token = keys.issue_key(uow, principal, partner_id[:MAX_ID], body.scopes)
            uow.commit()
        return key.id, token

    return await _with_new_key(request, platform, work)


@router.post("/console/partners/keys/{key_id}/rotate")
async def rotate_key(key_id: str, request: Request, platform: PlatformDep) -> Response:
    """A new key with the old one's scopes; the old one works for the minutes given."""

    def work(principal: Principal, values: dict[str, str]) -> tuple[str, str]:
        require_operator(principal)
        grace = values.get("grace_minutes", "").strip() or "60"
        body = KeyRotate.model_validate({"grace_minutes": grace}, strict=False)
        with platform.uow() as uow:
            key, token = keys.rotate_key(
                uow, principal, key_id[:MAX_ID], grace=timedelta(minutes=body.grace_minutes)
            )
            uow.commit()
        return key.id, token

    return await _with_new_key(request, platform, work)


async def _with_new_key(request: Request, platform: PlatformDep, work: _KeyWork) -> Response:
    """Do ``work`` and answer with the coordination page showing its token (not a redirect:
    the token must not travel in a URL or be stored to be shown on a later request)."""
    principal, values = await signed_in(request, platform)
    if principal is None:
        return to_login(request)
    try:
        issued = await run_in_threadpool(work, principal, values)
    except TiffinError as error:
        return problem_redirect(COORDINATION, error.code)
    except ValidationError:
        return problem_redirect(COORDINATION, "invalid_input")
    return await page(
        request,
        platform,
        "Roster and partners",
        lambda uow, v: safety_pages.coordination(uow, v, issued=issued),
        live=None,
    )


TRACING = "/console/tracing"


@router.get(TRACING, response_class=HTMLResponse)
async def tracing_page(request: Request, platform: PlatformDep) -> Response:
    return await page(
        request,
        platform,
        "Tracing",
        lambda uow, v: safety_pages.traces(uow, v, found=None),
        live=None,
    )


@router.post(TRACING)
async def run_trace(request: Request, platform: PlatformDep) -> Response:
    """Run and record a trace (the API's model and service), answering with its result."""
    principal, values = await signed_in(request, platform)
    if principal is None:
        return to_login(request)

    def work() -> tracing.Trace:
        require_operator(principal)
        lat, lon = values.get("lat", "").strip(), values.get("lon", "").strip()
        with platform.uow() as uow:
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
            found = tracing.run_trace(uow, principal, body.to_domain())
            uow.commit()
        return found

    try:
        found = await run_in_threadpool(work)
    except TiffinError as error:
        return problem_redirect(TRACING, error.code)
    except ValidationError:
        return problem_redirect(TRACING, "invalid_input")
    return await page(
        request,
        platform,
        "Tracing",
        lambda uow, v: safety_pages.traces(uow, v, found=found),
        live=None,
    )


@router.post(TRACING + "/{trace_id}/release")
async def release_trace(trace_id: str, request: Request, platform: PlatformDep) -> Response:
    """Hand a recorded trace's export to a partner of the tenant (the only way it leaves)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        partner_id = values.get("partner_id", "")[:MAX_ID]
        with platform.uow() as uow:
            partner_data.release(uow, principal, partner_id, trace_id[:MAX_ID])
            uow.commit()

    return await submit(request, platform, TRACING, work)
