"""The app factory: ``create_app(settings)`` builds everything; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tiffin import __version__
from tiffin.accounts.views import router as accounts_router
from tiffin.anomalies.views import router as anomalies_router
from tiffin.api import health, problems
from tiffin.api.metrics import CountAnswers
from tiffin.api.metrics import router as metrics_router
from tiffin.care.views import router as care_router
from tiffin.catalog.views import router as catalog_router
from tiffin.clock import Clock
from tiffin.dispatch.views import router as dispatch_router
from tiffin.incidents.views import public as status_router
from tiffin.incidents.views import router as incidents_router
from tiffin.ordering.views import router as orders_router
from tiffin.platform import Platform
from tiffin.riders.views import router as riders_router
from tiffin.safety.views import router as safety_router
from tiffin.settings import Settings


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

    app = FastAPI(
        title="tiffin",
        version=__version__,
        description="A food-delivery platform that keeps working when things go wrong.",
        lifespan=lifespan,
    )
    app.state.platform = platform
    problems.install(app)

    app.add_middleware(CountAnswers, platform=platform)

    for router in (
        health.router,
        metrics_router,
        accounts_router,
        catalog_router,
        orders_router,
        riders_router,
        care_router,
        anomalies_router,
        incidents_router,
        status_router,
        safety_router,
        dispatch_router,
    ):
        app.include_router(router)
    return app
