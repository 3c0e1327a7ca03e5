"""/v1/dispatch: what the dispatcher expects and suggests (operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep, UowFactoryDep
from tiffin.api.problems import error_responses
from tiffin.dispatch import fairness, modes, moves
from tiffin.dispatch.move_offers import offer_moves
from tiffin.dispatch.schemas import (
    DeclarationCreate,
    DeclarationLift,
    DeclarationRead,
    FairnessRead,
    ForecastRead,
    ModeChangeRead,
    ModeRead,
    MoveDecline,
    MoveOfferRead,
    MovePayChange,
    MovePayRead,
    RejectionCountRead,
    RiderLoadRead,
    SiteForecastRead,
    SuggestionRead,
    WorkloadCapsChange,
    WorkloadCapsRead,
)
from tiffin.dispatch.suggest import forecast_and_suggest
from tiffin.dispatch.workload_caps import caps_of, set_caps
from tiffin.domain.priorities import Priority, priority
from tiffin.optimiser.caps import WorkloadCaps
from tiffin.riders.service import own_rider

router = APIRouter(
    prefix="/v1/dispatch", tags=["dispatch"], responses=error_responses(401, 403, 422)
)


@priority(Priority.DEFERRABLE, feature="forecast")
@router.get("/forecast")
def forecast(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    horizon_minutes: Annotated[int, Query(ge=15, le=60)] = 30,
) -> ForecastRead:
    """Expected orders per merchant over the horizon, and idle riders worth moving."""
    with open_uow(read_only=True) as uow:
        sites, moves = forecast_and_suggest(uow, principal.tenant_id, horizon_minutes)
    return ForecastRead(
        horizon_minutes=horizon_minutes,
        sites=[SiteForecastRead(**s.__dict__) for s in sites],
        suggestions=[SuggestionRead(**m.__dict__) for m in moves],
    )


@priority(Priority.IMPORTANT)
@router.get("/caps")
def workload_caps(open_uow: UowFactoryDep, principal: OperatorPrincipal) -> WorkloadCapsRead:
    """The tenant's workload caps for riders (the defaults until an operator sets them)."""
    with open_uow(read_only=True) as uow:
        return WorkloadCapsRead.of(caps_of(uow, principal.tenant_id))


@priority(Priority.IMPORTANT)
@router.put("/caps", responses=error_responses(400))
def change_workload_caps(
    body: WorkloadCapsChange, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> WorkloadCapsRead:
    """Set the tenant's workload caps; the dispatcher applies them from its next cycle."""
    caps = WorkloadCaps(body.max_orders_per_hour, body.max_continuous_minutes, body.max_carried)
    with open_uow() as uow:
        set_caps(uow, principal, caps, body.reason)
        uow.commit()
    return WorkloadCapsRead.of(caps)


@priority(Priority.IMPORTANT)
@router.get("/mode")
def dispatch_mode(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ModeRead:
    """Normal or crisis: since when and why, what is declared, and the switch log (paged)."""
    with platform.uow(read_only=True) as uow:
        seen = modes.view(uow, principal.tenant_id, limit, offset)
    return ModeRead(
        mode=seen.mode.value,
        since=seen.since,
        reason=seen.reason,
        declarations=[DeclarationRead(**d.__dict__) for d in seen.declarations],
        changes=[
            ModeChangeRead(at=c.at, previous=c.previous, mode=c.mode, reason=c.reason)
            for c in seen.changes
        ],
    )


@priority(Priority.IMPORTANT)
@router.post("/declarations", status_code=201, responses=error_responses(400))
def declare(
    body: DeclarationCreate, platform: PlatformDep, principal: OperatorPrincipal
) -> DeclarationRead:
    """Declare a weather warning or an incident: dispatch uses its crisis weights from the
    next cycle until it is lifted and the backlog is low."""
    with platform.uow() as uow:
        made = modes.declare(uow, principal, modes.DeclarationKind(body.kind), body.note)
        uow.commit()
    with platform.uow(read_only=True) as uow:
        found = next(d for d in modes.active_declarations(uow, principal.tenant_id) if d.id == made)
    return DeclarationRead(**found.__dict__)


@priority(Priority.IMPORTANT)
@router.post("/declarations/{declaration_id}/lift", responses=error_responses(400, 404, 409))
def lift(
    body: DeclarationLift,
    platform: PlatformDep,
    principal: OperatorPrincipal,
    declaration_id: Annotated[str, Path(max_length=40)],
) -> ModeRead:
    """Lift a declaration; the mode returns to normal once the backlog has stayed low."""
    with platform.uow() as uow:
        modes.lift(uow, principal, declaration_id, body.reason)
        uow.commit()
    return dispatch_mode(platform, principal)


def _move(o: moves.MoveOffer) -> MoveOfferRead:
    return MoveOfferRead(
        id=o.id,
        rider_id=o.rider_id,
        merchant_id=o.merchant_id,
        lat=o.to.lat,
        lon=o.to.lon,
        why=o.why,
        ride_minutes=o.ride_minutes,
        wait_minutes=o.wait_minutes,
        pay_cents=o.pay_cents,
        status=o.status,  # type: ignore[arg-type]  # one of the four, as stored
        decline_reason=o.decline_reason,
        created_at=o.created_at,
        expires_at=o.expires_at,
        answered_at=o.answered_at,
    )


@priority(Priority.DEFERRABLE, feature="repositioning")
@router.post("/moves", status_code=201)
def send_moves(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    horizon_minutes: Annotated[int, Query(ge=15, le=60)] = 30,
) -> list[MoveOfferRead]:
    """Send the forecast's suggested moves to idle riders as move offers (at most one open
    offer or move per rider)."""
    with platform.uow() as uow:
        made = offer_moves(uow, principal.tenant_id, horizon_minutes)
        uow.commit()
    return [_move(o) for o in made]


@priority(Priority.DEFERRABLE, feature="repositioning")
@router.get("/moves")
def list_moves(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[MoveOfferRead]:
    """The tenant's move offers, newest first, with how each was answered."""
    with platform.uow(read_only=True) as uow:
        return [_move(o) for o in moves.tenant_offers(uow, principal.tenant_id, limit, offset)]


@priority(Priority.DEFERRABLE, feature="repositioning")
@router.get("/moves/pay")
def move_pay(platform: PlatformDep, principal: OperatorPrincipal) -> MovePayRead:
    """What the tenant pays a rider for a move to a hot spot (per move, per minute waiting)."""
    with platform.uow(read_only=True) as uow:
        pay = moves.pay_of(uow, principal.tenant_id)
    return MovePayRead(
        pay_cents=pay.pay_cents, wait_minutes=pay.wait_minutes, slip_pay_cents=pay.slip_pay_cents
    )


@priority(Priority.DEFERRABLE, feature="repositioning")
@router.put("/moves/pay", responses=error_responses(400))
def change_move_pay(
    body: MovePayChange, platform: PlatformDep, principal: OperatorPrincipal
) -> MovePayRead:
    """What the tenant pays per accepted move, how long it asks riders to wait, and what it
    pays a rider an order is taken from for a slipping ETA."""
    with platform.uow() as uow:
        pay = moves.MovePay(body.pay_cents, body.wait_minutes, body.slip_pay_cents)
        moves.set_pay(uow, principal, pay)
        uow.commit()
    return MovePayRead(
        pay_cents=pay.pay_cents, wait_minutes=pay.wait_minutes, slip_pay_cents=pay.slip_pay_cents
    )


@priority(Priority.DEFERRABLE, feature="repositioning")
@router.get("/moves/mine")
def my_moves(platform: PlatformDep, principal: CurrentPrincipal) -> list[MoveOfferRead]:
    """A rider's open move offers and the move they are on."""
    with platform.uow(read_only=True) as uow:
        return [_move(o) for o in moves.my_moves(uow, principal)]


@priority(Priority.DEFERRABLE, feature="repositioning")
@router.post("/moves/{move_id}/accept", responses=error_responses(404, 409))
def accept_move(
    platform: PlatformDep,
    principal: CurrentPrincipal,
    move_id: Annotated[str, Path(max_length=40)],
) -> MoveOfferRead:
    """The rider takes a move offer and heads for the hot spot; the dispatcher counts them there."""
    with platform.uow() as uow:
        offer = moves.accept_move(uow, principal, move_id)
        uow.commit()
    return _move(offer)


@priority(Priority.DEFERRABLE, feature="repositioning")
@router.post("/moves/{move_id}/decline", responses=error_responses(400, 404, 409))
def decline_move(
    body: MoveDecline,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    move_id: Annotated[str, Path(max_length=40)],
) -> MoveOfferRead:
    """The rider declines a move offer with a reason ("overloaded" costs nothing)."""
    with platform.uow() as uow:
        offer = moves.decline_move(uow, principal, move_id, body.reason)
        uow.commit()
    return _move(offer)


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/fairness")
def fairness_today(
    platform: PlatformDep,
    principal: OperatorPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> FairnessRead:
    """Each rider's load today, the Gini figures, and why offers were turned down."""
    with platform.uow(read_only=True) as uow:
        fair = fairness.loads_today(uow, principal.tenant_id)
        turned_down = fairness.rejections_today(uow, principal.tenant_id)
    return FairnessRead(
        gini_orders=fair.gini_orders,
        gini_earnings=fair.gini_earnings,
        riders=[RiderLoadRead(**r.__dict__) for r in fair.riders[offset : offset + limit]],
        rejections=[RejectionCountRead(**r.__dict__) for r in turned_down[:100]],
    )


@priority(Priority.DEFERRABLE, feature="reports")
@router.get("/fairness/me")
def my_load(platform: PlatformDep, principal: CurrentPrincipal) -> RiderLoadRead:
    """A rider's own load today (a rider may turn offers down as "overloaded", at no cost)."""
    with platform.uow(read_only=True) as uow:
        rider = own_rider(uow, principal)
        fair = fairness.loads_today(uow, rider.tenant_id)
    mine = next((r for r in fair.riders if r.rider_id == rider.id), None)
    return RiderLoadRead(
        **(mine.__dict__ if mine else fairness.RiderLoad(rider.id, rider.name, 0, 0, 0, 0).__dict__)
    )
