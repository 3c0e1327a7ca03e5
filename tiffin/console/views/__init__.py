"""/console (operators) and /app (customers, merchants, riders): HTML pages over the same
services as the API, signed in with an HttpOnly session cookie, every form CSRF-checked, the
live parts pushed as server-sent events (docs/console.md).

One module per audience: ``session`` (log in and out, language), ``operator`` (/console),
``desk`` (an order's timeline, risk zones drawn on the map, the care ledger and policies),
``roles`` (/app); ``base`` holds what they share. A capability's pages go in a module of
their own here, with a router added to ``ROUTERS``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tiffin.console.views import (
    desk,
    operator,
    risk,
    roles,
    safety,
    session,
    statements,
    tools,
    trust,
    warning,
)

STATIC = Path(__file__).parent.parent / "static"
# tools before roles: its /app/menu/{item_id} must not fall to roles' catch-all steps
ROUTERS = (
    session.router,
    operator.router,
    desk.router,
    risk.router,
    warning.router,
    safety.router,
    trust.router,
    statements.router,
    tools.router,
    roles.router,
)


def install(app: FastAPI) -> None:
    """Mount the pages and their own CSS/JS (served from this package, same origin)."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
