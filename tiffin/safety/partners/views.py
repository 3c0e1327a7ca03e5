"""/v1/partners: operators register a health authority or campus office, issue, rotate and revoke
its keys, release tracing exports to it and read its call log.
/v1/partner/...: the partner's own routes, called with ``Authorization: Bearer <partner key>``
(a person's token opens none of them, and a partner key opens no one else's route)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tiffin.api.deps import ClockDep, OperatorPrincipal, UowFactoryDep
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import Invalid, TiffinError, UnsupportedMediaType
from tiffin.safety.partners import data as partner_data
from tiffin.safety.partners import keys as partners
from tiffin.safety.partners.keys import Caller, Scope
from tiffin.safety.partners.schemas import (
    CallRead,
    ExportRead,
    HealthStatRead,
    KeyCreate,
    KeyIssued,
    KeyRead,
    KeyRotate,
    PartnerCreate,
    PartnerRead,
    ReleaseIn,
    ReleaseRead,
    WeatherPushRead,
)
from tiffin.safety.schemas import RiskZoneRead, ZoneImport
from tiffin.safety.weather import cap
from tiffin.safety.weather import service as weather

router = APIRouter(
    prefix="/v1/partners", tags=["partners"], responses=error_responses(400, 401, 403, 404, 422)
)
partner_router = APIRouter(
    prefix="/v1/partner", tags=["partners"], responses=error_responses(401, 403, 422)
)
_partner_bearer = HTTPBearer(scheme_name="PartnerKey", auto_error=False)


def scoped(scope: Scope) -> Callable[..., Iterator[Caller]]:
    """A dependency: the partner calling with a live key holding ``scope``; the call, however
    it ends, is logged against the key (an unknown token names no partner to log against)."""

    def caller(
        request: Request,
        open_uow: UowFactoryDep,
        clock: ClockDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_partner_bearer)],
    ) -> Iterator[Caller]:
        token = credentials.credentials if credentials else None
        with open_uow(read_only=True) as uow:
            found, refusal = partners.authenticate(uow, token, clock.now())
        if found is None:
            raise partners.refuse(refusal)
        code = 200
        try:
            if refusal:
                raise partners.refuse(refusal)
            partners.require(found, scope)
            yield found
            route = request.scope.get("route")
            code = getattr(route, "status_code", None) or 200
        except TiffinError as exc:
            code = exc.status
            raise
        except Exception:
            code = 500
            raise
        finally:
            with open_uow() as uow:
                partners.log_call(
                    uow,
                    found,
                    method=request.method,
                    route=request.url.path,
                    status=code,
                    at=clock.now(),
                )
                uow.commit()

    return caller


RiskMapCaller = Annotated[Caller, Depends(scoped(Scope.RISK_MAP_READ))]
StatsCaller = Annotated[Caller, Depends(scoped(Scope.HEALTH_STATS_READ))]
ZonesCaller = Annotated[Caller, Depends(scoped(Scope.ZONES_WRITE))]
TracingCaller = Annotated[Caller, Depends(scoped(Scope.TRACING_RECEIVE))]
WeatherCaller = Annotated[Caller, Depends(scoped(Scope.WEATHER_WRITE))]
CAP_MEDIA_TYPES = ("application/cap+xml", "application/xml")


async def cap_document(request: Request) -> bytes:
    """The CAP document in the request body: XML by its content type, bounded in size (the
    app's body limit holds first; this bound holds whatever that is set to)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in CAP_MEDIA_TYPES:
        raise UnsupportedMediaType("send the CAP alert as application/cap+xml (or application/xml)")
    body = await request.body()
    if len(body) > cap.MAX_BYTES:
        raise Invalid(f"a CAP document is at most {cap.MAX_BYTES} bytes", code="cap_too_large")
    return body


CapDocument = Annotated[bytes, Depends(cap_document)]
_CAP_BODY = {
    "requestBody": {
        "required": True,
        "description": "a CAP 1.2 <alert> (urn:oasis:names:tc:emergency:cap:1.2)",
        "content": {t: {"schema": {"type": "string"}} for t in CAP_MEDIA_TYPES},
    }
}


@priority(Priority.IMPORTANT)
@router.post("", status_code=status.HTTP_201_CREATED)
def create_partner(
    body: PartnerCreate, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> PartnerRead:
    """Register a health authority or campus office of the tenant (keys come next)."""
    with open_uow() as uow:
        row = partners.create_partner(uow, principal, body.name)
        uow.commit()
    return PartnerRead.model_validate(row)


@priority(Priority.IMPORTANT)
@router.get("")
def list_partners(
    open_uow: UowFactoryDep, principal: OperatorPrincipal, page: PageDep
) -> list[PartnerRead]:
    """The tenant's partners."""
    with open_uow(read_only=True) as uow:
        rows = partners.partners_of(uow, principal.tenant_id, limit=page.rows, offset=page.offset)
    return [PartnerRead.model_validate(r) for r in page.window(rows)]


@priority(Priority.IMPORTANT)
@router.post("/{partner_id}/keys", status_code=status.HTTP_201_CREATED)
def issue_key(
    partner_id: str, body: KeyCreate, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> KeyIssued:
    """A new key with these scopes; its token is in this answer and nowhere else, ever."""
    with open_uow() as uow:
        key, token = partners.issue_key(uow, principal, partner_id, body.scopes)
        uow.commit()
    return KeyIssued.issued(key, token)


@priority(Priority.IMPORTANT)
@router.get("/{partner_id}/keys")
def list_keys(
    partner_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal, page: PageDep
) -> list[KeyRead]:
    """The partner's keys, newest first, with when each stops working (no tokens)."""
    with open_uow(read_only=True) as uow:
        keys = partners.keys_of(uow, principal.tenant_id, partner_id)
    return [KeyRead.of(k) for k in page.of(keys)]


@priority(Priority.IMPORTANT)
@router.post("/keys/{key_id}/rotate", status_code=status.HTTP_201_CREATED)
def rotate_key(
    key_id: str, body: KeyRotate, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> KeyIssued:
    """A new key with the old one's scopes; the old key works for the grace period only."""
    with open_uow() as uow:
        key, token = partners.rotate_key(
            uow, principal, key_id, grace=timedelta(minutes=body.grace_minutes)
        )
        uow.commit()
    return KeyIssued.issued(key, token)


@priority(Priority.IMPORTANT)
@router.post("/keys/{key_id}/revoke")
def revoke_key(key_id: str, open_uow: UowFactoryDep, principal: OperatorPrincipal) -> KeyRead:
    """The key stops working now (again is harmless)."""
    with open_uow() as uow:
        key = partners.revoke_key(uow, principal, key_id)
        uow.commit()
    return KeyRead.of(key)


@priority(Priority.IMPORTANT)
@router.post("/{partner_id}/tracing-exports", status_code=status.HTTP_201_CREATED)
def release_export(
    partner_id: str, body: ReleaseIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> ReleaseRead:
    """Release a recorded trace's export to this partner (the only way personal data reaches
    one)."""
    with open_uow() as uow:
        row = partner_data.release(uow, principal, partner_id, body.trace_id)
        uow.commit()
    return ReleaseRead.model_validate(row)


@priority(Priority.DEFERRABLE)
@router.get("/calls")
def call_log(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    partner_id: Annotated[str | None, Query(max_length=40)] = None,
) -> list[CallRead]:
    """Every call partners made with a known key: partner, key, route, status, time."""
    with open_uow(read_only=True) as uow:
        rows = partners.calls(
            uow, principal.tenant_id, partner_id=partner_id, limit=page.rows, offset=page.offset
        )
    return [CallRead.model_validate(r) for r in page.window(rows)]


@priority(Priority.IMPORTANT)
@partner_router.get("/risk-map")
def risk_map(
    open_uow: UowFactoryDep, clock: ClockDep, caller: RiskMapCaller, page: PageDep
) -> list[RiskZoneRead]:
    """The tenant's risk zones in force or to come: shapes and levels (scope risk_map:read)."""
    with open_uow(read_only=True) as uow:
        zones = partner_data.risk_map(uow, caller.tenant_id, clock.now())
    return [RiskZoneRead.of(z) for z in page.of(zones)]


@priority(Priority.DEFERRABLE)
@partner_router.get("/health-stats")
def health_stats(
    open_uow: UowFactoryDep,
    clock: ClockDep,
    caller: StatsCaller,
    page: PageDep,
    days: Annotated[int, Query(ge=1, le=31, description="days back from now")] = 7,
) -> list[HealthStatRead]:
    """Health check-ins passed and failed per zone and day: counts, never names (scope
    health_stats:read)."""
    now = clock.now()
    with open_uow(read_only=True) as uow:
        rows = partner_data.health_stats(uow, caller.tenant_id, now - timedelta(days=days), now)
    return [HealthStatRead.model_validate(r) for r in page.of(rows)]


@priority(Priority.IMPORTANT)
@partner_router.post("/zones", status_code=status.HTTP_201_CREATED)
def push_zones(
    body: ZoneImport, open_uow: UowFactoryDep, caller: ZonesCaller
) -> list[RiskZoneRead]:
    """The authority declares risk zones as GeoJSON (scope zones:write); validated like an
    operator's import: a bad feature is a 422 naming it, and then none is declared."""
    with open_uow() as uow:
        zones = partner_data.push_zones(uow, caller, body.features, reason=body.reason)
        uow.commit()
    return [RiskZoneRead.of(z) for z in zones]


@priority(Priority.IMPORTANT)
@partner_router.get("/tracing-exports")
def tracing_exports(
    open_uow: UowFactoryDep, caller: TracingCaller, page: PageDep
) -> list[ExportRead]:
    """The tracing exports operators released to this partner, newest first (scope
    tracing:receive)."""
    with open_uow(read_only=True) as uow:
        rows = partner_data.releases(uow, caller, limit=page.rows, offset=page.offset)
    return [ExportRead.model_validate(r) for r in page.window(rows)]


@priority(Priority.IMPORTANT)
@partner_router.post(
    "/weather-alerts", responses=error_responses(400, 413, 415), openapi_extra=_CAP_BODY
)
def push_weather_alert(
    open_uow: UowFactoryDep, caller: WeatherCaller, document: CapDocument
) -> WeatherPushRead:
    """A weather service's CAP 1.2 warning (scope weather:write) becomes a storm window over
    its polygons and circles: promises there lengthen, the dispatcher and the playbook wait
    longer. Keyed by sender and identifier: a repeat changes nothing; an Update amends, a
    Cancel ends. Bad XML or geometry is a 422 naming what is wrong; a DOCTYPE is refused."""
    alert = cap.parse(document)
    with open_uow() as uow:
        applied = weather.apply_alert(uow, caller.principal, alert)
        uow.commit()
    return WeatherPushRead(outcome=applied.outcome, window_id=applied.window_id)
