"""/v1/risk-zones: operators close high-risk zones; everyone in the tenant can see them.
/v1/safety and /v1/riders/me/health-checks: operators set the rules and keep each rider's
training, insurance and equipment; a rider checks in and sees only their own records."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, status

from tiffin.anomalies import panic
from tiffin.api.deps import (
    ClockDep,
    CurrentPrincipal,
    OperatorPrincipal,
    PlatformDep,
    UowFactoryDep,
)
from tiffin.api.lean import LeanRoute
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.domain.priorities import Priority, priority
from tiffin.safety import eligibility, health, records, rules, service, telemetry, tracing
from tiffin.safety.schemas import (
    AlertRead,
    CheckInCreate,
    CheckInRead,
    CourseCreate,
    CourseRead,
    IssueCreate,
    ModeIn,
    PanicIn,
    PanicRead,
    PolicyCreate,
    RiderAlertRead,
    RiskZoneRead,
    SafetyRulesIn,
    SafetyRulesRead,
    StandingRead,
    StockIn,
    StockRead,
    TelemetryBatch,
    TelemetryRead,
    TraceAskedRead,
    TraceCreate,
    TraceExport,
    TrainingCreate,
    ValidityRead,
    WorkloadRead,
    ZoneClosure,
    ZoneImport,
)

router = APIRouter(
    prefix="/v1/risk-zones", tags=["safety"], responses=error_responses(400, 401, 403, 422)
)


@priority(Priority.IMPORTANT)
@router.post("", status_code=status.HTTP_201_CREATED)
def close_zone(
    body: ZoneClosure, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> RiskZoneRead:
    """An operator closes a high-risk zone for a time: riders are routed around it and hand over at
    its edge."""
    with open_uow() as uow:
        zone = service.close_zone(
            uow,
            principal,
            name=body.name,
            polygon=[p.to_domain() for p in body.polygon],
            handoff=body.handoff.to_domain(),
            closed_from=body.closed_from,
            closed_until=body.closed_until,
            reason=body.reason,
            level=body.level,
        )
        uow.commit()
    return RiskZoneRead.of(zone)


@priority(Priority.IMPORTANT)
@router.post("/import", status_code=status.HTTP_201_CREATED)
def import_zones(
    body: ZoneImport, platform: PlatformDep, principal: OperatorPrincipal
) -> list[RiskZoneRead]:
    """Declare zones from a health authority's GeoJSON; a bad feature is a 422 naming it."""
    with platform.uow() as uow:
        zones = service.import_zones(uow, principal, body.features, reason=body.reason)
        uow.commit()
    return [RiskZoneRead.of(z) for z in zones]


@priority(Priority.IMPORTANT)
@router.get("")
def list_closures(
    open_uow: UowFactoryDep, clock: ClockDep, principal: CurrentPrincipal, page: PageDep
) -> list[RiskZoneRead]:
    """Closures in force or still to come."""
    with open_uow(read_only=True) as uow:
        found = service.closures(uow, principal.tenant_id, now=clock.now())
    return [RiskZoneRead.of(z) for z in page.of(found)]


health_router = APIRouter(
    prefix="/v1", tags=["safety"], responses=error_responses(400, 401, 403, 404, 409, 422)
)
# The rider app's live channel (telemetry every few seconds, the panic button): a router of its
# own so the app matches it early (tiffin.api.app).
live_router = APIRouter(
    prefix="/v1", tags=["safety"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


@priority(Priority.IMPORTANT)
@health_router.get("/safety/rules")
def get_rules(platform: PlatformDep, principal: CurrentPrincipal) -> SafetyRulesRead:
    """The tenant's safety rules: which checks a rider must pass to start a shift, and how long
    health records are kept."""
    with platform.uow(read_only=True) as uow:
        return SafetyRulesRead.of(rules.rules_of(uow, principal.tenant_id))


@priority(Priority.IMPORTANT)
@health_router.put("/safety/rules")
def set_rules(
    body: SafetyRulesIn, platform: PlatformDep, principal: OperatorPrincipal
) -> SafetyRulesRead:
    """Change the tenant's safety rules (validated; shift starts follow them at once)."""
    with platform.uow() as uow:
        rules.set_rules(uow, principal, body.to_policy(), body.reason)
        found = rules.rules_of(uow, principal.tenant_id)
        uow.commit()
    return SafetyRulesRead.of(found)


@priority(Priority.IMPORTANT)
@health_router.put("/safety/public-health-mode")
def set_mode(body: ModeIn, platform: PlatformDep, principal: OperatorPrincipal) -> SafetyRulesRead:
    """Switch public-health mode (疫情模式) on or off: riders then need current protective equipment
    to be dispatched."""
    with platform.uow() as uow:
        found = rules.set_public_health_mode(uow, principal, on=body.on, reason=body.reason)
        uow.commit()
    return SafetyRulesRead.of(found)


@priority(Priority.CORE)
@health_router.post("/riders/me/health-checks", status_code=status.HTTP_201_CREATED)
def check_in(
    body: CheckInCreate, platform: PlatformDep, principal: CurrentPrincipal
) -> CheckInRead:
    """Record a check-in; a failed one answers 201 too, with why and what to do next."""
    with platform.uow() as uow:
        result = health.check_in(
            uow,
            principal,
            temperature_tenths=round(body.temperature_c * 10),
            symptoms=body.symptoms,
            test_result=body.test_result,
        )
        uow.commit()
    return CheckInRead.of(result)


@priority(Priority.IMPORTANT)
@health_router.get("/riders/me/health-checks")
def my_checkins(
    platform: PlatformDep, principal: CurrentPrincipal, page: PageDep
) -> list[CheckInRead]:
    """The calling rider's own health check-ins, newest first (kept for the tenant's retention
    period)."""
    with platform.uow(read_only=True) as uow:
        rider_id = health.own_rider_id(uow, principal)
        found = health.checkins_of(uow, rider_id, limit=page.rows, offset=page.offset)
    return [CheckInRead.of(c) for c in page.window(found)]


@priority(Priority.IMPORTANT)
@health_router.get("/riders/me/safety")
def my_standing(platform: PlatformDep, principal: CurrentPrincipal) -> StandingRead:
    """The rider's own records and whether they may start a shift and take orders now."""
    with platform.uow(read_only=True) as uow:
        rider = uow.riders.require(health.own_rider_id(uow, principal))
        return StandingRead.of(eligibility.standing(uow, rider), uow.clock.now())


@priority(Priority.IMPORTANT)
@health_router.get("/safety/riders/{rider_id}")
def rider_standing(
    rider_id: str, platform: PlatformDep, principal: OperatorPrincipal
) -> StandingRead:
    """One rider's standing for work: check-in, training, insurance and equipment, and what is
    missing."""
    with platform.uow(read_only=True) as uow:
        rider = uow.riders.require(health.tenant_rider_id(uow, principal, rider_id))
        return StandingRead.of(eligibility.standing(uow, rider), uow.clock.now())


@priority(Priority.IMPORTANT)
@health_router.post("/safety/courses", status_code=status.HTTP_201_CREATED)
def add_course(
    body: CourseCreate, platform: PlatformDep, principal: OperatorPrincipal
) -> CourseRead:
    """Add a training course with its validity, and the modes in which it is required."""
    with platform.uow() as uow:
        course = records.add_course(
            uow,
            principal,
            name=body.name,
            validity_days=body.validity_days,
            required_in=body.required_in,
        )
        uow.commit()
    return CourseRead.of(course)


@priority(Priority.IMPORTANT)
@health_router.get("/safety/courses")
def list_courses(
    platform: PlatformDep, principal: CurrentPrincipal, page: PageDep
) -> list[CourseRead]:
    """The tenant's training courses."""
    with platform.uow(read_only=True) as uow:
        found = records.courses_of(uow, principal.tenant_id, limit=page.rows, offset=page.offset)
    return [CourseRead.of(c) for c in page.window(found)]


@priority(Priority.IMPORTANT)
@health_router.post("/safety/riders/{rider_id}/trainings", status_code=status.HTTP_201_CREATED)
def record_training(
    rider_id: str, body: TrainingCreate, platform: PlatformDep, principal: OperatorPrincipal
) -> ValidityRead:
    """Record that a rider completed a course (valid for the course's validity period)."""
    with platform.uow() as uow:
        held = records.record_training(
            uow,
            principal,
            rider_id=health.tenant_rider_id(uow, principal, rider_id),
            course_id=body.course_id,
            completed_at=body.completed_at,
        )
        uow.commit()
        return ValidityRead.of(held, uow.clock.now())


@priority(Priority.IMPORTANT)
@health_router.post("/safety/riders/{rider_id}/insurance", status_code=status.HTTP_201_CREATED)
def record_policy(
    rider_id: str, body: PolicyCreate, platform: PlatformDep, principal: OperatorPrincipal
) -> ValidityRead:
    """Record a rider's insurance policy with its validity."""
    with platform.uow() as uow:
        policy = records.record_policy(
            uow,
            principal,
            rider_id=health.tenant_rider_id(uow, principal, rider_id),
            insurer=body.insurer,
            policy_number=body.policy_number,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
        )
        uow.commit()
        return ValidityRead.of(policy, uow.clock.now())


@priority(Priority.IMPORTANT)
@health_router.put("/safety/stock")
def set_stock(body: StockIn, platform: PlatformDep, principal: OperatorPrincipal) -> StockRead:
    """Set a station's stock of a protective equipment item."""
    with platform.uow() as uow:
        stock = records.set_stock(
            uow, principal, station=body.station, item=body.item, quantity=body.quantity
        )
        uow.commit()
    return StockRead.of(stock)


@priority(Priority.IMPORTANT)
@health_router.get("/safety/stock")
def list_stock(
    platform: PlatformDep, principal: OperatorPrincipal, page: PageDep
) -> list[StockRead]:
    """Protective equipment in stock, per station and item."""
    with platform.uow(read_only=True) as uow:
        found = records.stock_of(uow, principal.tenant_id, limit=page.rows, offset=page.offset)
    return [StockRead.of(s) for s in page.window(found)]


@priority(Priority.IMPORTANT)
@health_router.post("/safety/riders/{rider_id}/equipment", status_code=status.HTTP_201_CREATED)
def issue_equipment(
    rider_id: str, body: IssueCreate, platform: PlatformDep, principal: OperatorPrincipal
) -> ValidityRead:
    """Issue protective equipment from a station's stock to a rider (stock goes down by one)."""
    with platform.uow() as uow:
        issued = records.issue_equipment(
            uow,
            principal,
            rider_id=health.tenant_rider_id(uow, principal, rider_id),
            station=body.station,
            item=body.item,
            quantity=body.quantity,
            valid_days=body.valid_days,
        )
        uow.commit()
        return ValidityRead.of(issued, uow.clock.now())


@priority(Priority.IMPORTANT)
async def post_telemetry(
    body: TelemetryBatch, platform: PlatformDep, principal: CurrentPrincipal
) -> TelemetryRead:
    """A batch of the rider app's samples; answers the alerts it raised (each raised once),
    after it is committed. Concurrent riders' posts share one transaction (group commit)."""
    post = telemetry.Post(principal, [s.to_domain() for s in body.samples])
    raised = await asyncio.wrap_future(platform.telemetry.submit(post))
    return TelemetryRead(accepted=len(body.samples), alerts=[AlertRead.of(a) for a in raised])


# 400 posts a second on a 2,000-rider day: served by a LeanRoute (the same endpoint and OpenAPI
# operation, without FastAPI's general dependency solving; tiffin.api.lean).
live_router.add_api_route(
    "/riders/me/telemetry",
    post_telemetry,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    route_class_override=LeanRoute,
)


@priority(Priority.CORE)
@live_router.post("/riders/me/panic", status_code=status.HTTP_201_CREATED)
def press_panic(body: PanicIn, platform: PlatformDep, principal: CurrentPrincipal) -> PanicRead:
    """Operators are alerted with the rider's location; the rider's orders go to re-dispatch."""
    with platform.uow() as uow:
        outcome = panic.press_panic(
            uow, platform.anomaly_engine, principal, location=body.location.to_domain()
        )
        uow.commit()
    return PanicRead(
        operators_alerted=outcome.alert_raised, orders_redispatched=outcome.orders_redispatched
    )


@priority(Priority.IMPORTANT)
@health_router.get("/safety/alerts")
def list_alerts(
    platform: PlatformDep, principal: OperatorPrincipal, page: PageDep
) -> list[RiderAlertRead]:
    """Safety alerts: speeding, a possible fall, a long stop mid-delivery, a panic button, newest
    first."""
    with platform.uow(read_only=True) as uow:
        found = telemetry.alerts_of(uow, principal.tenant_id, limit=page.rows, offset=page.offset)
    return [RiderAlertRead.of(a) for a in page.window(found)]


@priority(Priority.IMPORTANT)
@health_router.post("/safety/traces", status_code=status.HTTP_201_CREATED)
def run_trace(
    body: TraceCreate, platform: PlatformDep, principal: OperatorPrincipal
) -> TraceExport:
    """Trace a person or a place for the health authority; the query is recorded (who, why)
    and the answer is the export the authority receives."""
    with platform.uow() as uow:
        trace = tracing.run_trace(uow, principal, body.to_domain())
        uow.commit()
    return TraceExport.model_validate(tracing.export(trace))


@priority(Priority.IMPORTANT)
@health_router.get("/safety/traces")
def traces_asked(
    platform: PlatformDep, principal: OperatorPrincipal, page: PageDep
) -> list[TraceAskedRead]:
    """Every tracing query of the tenant: who asked, why, about whom."""
    with platform.uow(read_only=True) as uow:
        found = tracing.traces_asked(uow, principal.tenant_id, limit=page.rows, offset=page.offset)
    return [TraceAskedRead.model_validate(t) for t in page.window(found)]


@priority(Priority.IMPORTANT)
@health_router.get("/riders/me/workload")
def my_workload(platform: PlatformDep, principal: CurrentPrincipal) -> WorkloadRead:
    """Continuous riding time and today's hours against the limits (lower in bad weather)."""
    with platform.uow(read_only=True) as uow:
        rider = health.own_rider(uow, principal)
        return WorkloadRead.of(eligibility.workloads(uow, rider.tenant_id, [rider]).get(rider.id))
