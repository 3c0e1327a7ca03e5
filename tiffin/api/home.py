"""The front door at ``/``: what tiffin is and where to go next, for a person with a browser."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from tiffin import __version__
from tiffin.accounts.service import tenant_by_slug
from tiffin.api.deps import PlatformDep, UowFactoryDep
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import NotFound
from tiffin.seed import DEMO_PASSWORD, DEMO_TENANT, SIM_TENANT, Login, demo_logins

router = APIRouter()

LINKS = [
    ("/console/login", "the console: operators, customers, kitchens and riders sign in here"),
    ("/docs", "API docs (Swagger UI): log in with Authorize and try every call"),
    ("/redoc", "API reference (ReDoc)"),
    ("/status", "public status page"),
    ("/readyz", "readiness: database, migrations, outbox lag, dispatcher heartbeat"),
    ("/healthz", "liveness"),
    ("/metrics", "Prometheus metrics"),
]


def demo_is_on(open_uow: UowFactoryDep) -> bool:
    """The demo logins are shown only where they work: the demo campus has been seeded."""
    with open_uow(read_only=True) as uow:
        try:
            tenant_by_slug(uow, DEMO_TENANT)
        except NotFound:
            return False
    return True


@priority(Priority.IMPORTANT)
@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(platform: PlatformDep) -> HTMLResponse:
    """Where a browser pointed at the server lands."""
    logins = demo_logins() if demo_is_on(platform.uow) else []
    return HTMLResponse(page(logins, simulated_day=platform.settings.demo_day))


def page(logins: list[Login], *, simulated_day: bool) -> str:
    links = "".join(f'<li><a href="{href}">{href}</a> {escape(what)}</li>' for href, what in LINKS)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tiffin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}
td,th{{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}}
code{{background:#f3f3f3;padding:0 .2rem}}</style></head>
<body><h1>tiffin <small>{escape(__version__)}</small></h1>
<p>A food-delivery platform (外卖配送平台) for campuses and cities that keeps working when things
go wrong: every order moves through an explicit state machine, every acknowledged write is durable,
retries never duplicate an order, and late, cancelled or lost orders are detected, re-dispatched,
explained to the customer and compensated automatically.</p>
<p>The API lives under <code>/v1</code>; every call is described in the docs.</p>
<ul>{links}</ul>
{_demo(logins, simulated_day)}
</body></html>"""


def _demo(logins: list[Login], simulated_day: bool) -> str:
    if not logins:
        return ""
    rows = "".join(
        f"<tr><td>{escape(x.role)}</td><td><code>{escape(x.email)}</code></td>"
        f"<td>{escape(x.name)}</td></tr>"
        for x in logins
    )
    day = (
        f"<p>A simulated day is playing on its own tenant <code>{SIM_TENANT}</code> (watch it as "
        f"<code>ops@{SIM_TENANT}.test</code>); it never touches orders on "
        f"<code>{DEMO_TENANT}</code>.</p>"
        if simulated_day
        else ""
    )
    return (
        f"<h2>Demo logins</h2><p>Tenant <code>{DEMO_TENANT}</code>, password "
        f"<code>{DEMO_PASSWORD}</code>. In the docs' Authorize, the username is "
        f"<code>{DEMO_TENANT}/&lt;email&gt;</code>.</p>"
        f"<table><tr><th>role</th><th>email</th><th>name</th></tr>{rows}</table>{day}"
    )
