"""The app factory: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from tiffin import __version__
from tiffin.accounts.views import reviews_router as vetting_router
from tiffin.accounts.views import router as accounts_router
from tiffin.anomalies.views import router as anomalies_router
from tiffin.api import admission, home, openapi, problems
from tiffin.api.guards import Edge
from tiffin.api.request_log import log_request
from tiffin.care.views import router as care_router
from tiffin.catalog.views import router as catalog_router
from tiffin.clock import Clock
from tiffin.comms.views import router as comms_router
from tiffin.compliance.views import router as compliance_router
from tiffin.console import views as console
from tiffin.dispatch.views import router as dispatch_router
from tiffin.drills.views import router as drills_router
from tiffin.incidents.views import public as status_router
from tiffin.incidents.views import router as incidents_router
from tiffin.ordering.views import router as orders_router
from tiffin.platform import Platform
from tiffin.resilience.views import answer_counter, switches_router
from tiffin.resilience.views import router as health_router
from tiffin.riders.views import router as riders_router
from tiffin.risk.views import router as risk_router
from tiffin.safety.aid.views import router as aid_router
from tiffin.safety.partners.views import partner_router
from tiffin.safety.partners.views import router as partners_router
from tiffin.safety.views import health_router as safety_health_router
from tiffin.safety.views import live_router as rider_live_router
from tiffin.safety.views import router as safety_router
from tiffin.safety.warning.views import router as early_warning_router
from tiffin.settings import Settings
from tiffin.trust.views import router as trust_router

# The order of the docs' sections: a newcomer's path through the API.
OPENAPI_TAGS = [
    {"name": "health", "description": "Liveness, readiness and metrics."},
    {"name": "accounts", "description": "Sign-up, login and who you are."},
    {"name": "merchants", "description": "Merchants, their menus and their kitchens' state."},
    {"name": "orders", "description": "Place, follow and move an order through its life."},
    {"name": "riders", "description": "Shifts, offers and deliveries."},
    {"name": "care", "description": "Compensation, feedback and customer messages."},
    {"name": "anomalies", "description": "Abnormal orders and the operators' queue."},
    {"name": "incidents", "description": "Outages, recovery and make-good."},
    {"name": "status", "description": "The public status page."},
    {"name": "comms", "description": "Public statements, the sentiment watch, closing the loop."},
    {"name": "trust", "description": "Trust scores and their reasons."},
    {"name": "safety", "description": "High-risk zones and rider safety."},
    {"name": "partners", "description": "Health authorities' and campus offices' keyed access."},
    {"name": "dispatch", "description": "Demand forecast and dispatch state."},
    {"name": "drills", "description": "Crash, failover and overload drills on a staging database."},
]


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    platform: Platform | None = None,
) -> FastAPI:
    """Build the API. Pass a ``platform`` to share one with tests or the simulator."""
    platform = platform or Platform.build(settings or Settings(), clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if platform.settings.run_workers:
            platform.start_workers()
        try:
            yield
        finally:
            platform.stop()

    # The docs' JavaScript and CSS come from the fastapi-offline package, not a CDN: /docs and
    # /redoc work with no network.
    app = FastAPIOffline(
        title="tiffin",
        version=__version__,
        description="A food-delivery platform that keeps working when things go wrong.",
        lifespan=lifespan,
        openapi_tags=OPENAPI_TAGS,
        swagger_ui_parameters={"persistAuthorization": True},
        generate_unique_id_function=openapi.operation_id,
        # Every route's declared class decides its fate under overload (tiffin.api.admission).
        dependencies=[admission.gate(platform)],
    )
    app.state.platform = platform
    problems.install(app)
    openapi.install(app)

    # Outermost: an oversized body is refused before anything reads it, every answer (a 413
    # too) carries the security headers, and every answer is counted and logged.
    app.add_middleware(
        Edge,
        max_bytes=platform.settings.max_body_bytes,
        answered=[admission.releaser(platform), answer_counter(platform), log_request],
    )

    # Routes are tried in order and the first match wins. No two routers' paths overlap, so
    # the order only decides how many routes a request is matched against: orders, the
    # hottest, go first (behind eleven routers, POST /v1/orders was matched against 17 routes
    # first) and then the rider app's live channel: telemetry is 400 posts a second on a
    # 2,000-rider day, and behind thirteen routers matching cost 0.45 ms a post. The docs keep
    # their reading order through ``OPENAPI_TAGS``.
    for router in (
        orders_router,
        rider_live_router,
        health_router,
        accounts_router,
        vetting_router,
        catalog_router,
        riders_router,
        care_router,
        anomalies_router,
        incidents_router,
        comms_router,
        trust_router,
        status_router,
        safety_router,
        safety_health_router,
        aid_router,
        partners_router,
        partner_router,
        early_warning_router,
        dispatch_router,
        switches_router,
        home.router,
        risk_router,
        compliance_router,
        drills_router,
    ):
        app.include_router(router)
    console.install(app)  # /console and /app: the pages (docs/console.md)
    return app
