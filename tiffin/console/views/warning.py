"""/console/early-warning: the operators' early-warning page, and its apply button (the same
one-step, idempotent apply as ``POST /v1/safety/early-warning/{id}/apply``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tiffin.api.deps import PlatformDep
from tiffin.console import warning_pages
from tiffin.console.views.base import page, require_operator, submit
from tiffin.domain.principals import Principal
from tiffin.safety.warning import service

router = APIRouter(include_in_schema=False)


@router.get("/console/early-warning", response_class=HTMLResponse)
async def early_warning(request: Request, platform: PlatformDep) -> Response:
    return await page(request, platform, "Early warning", warning_pages.region, live=None)


@router.post("/console/early-warning/{recommendation_id}/apply")
async def apply(recommendation_id: str, request: Request, platform: PlatformDep) -> Response:
    """Apply one recommendation and come back to the page (a refusal shows its code there)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
            service.apply(uow, principal, recommendation_id[:120])
            uow.commit()

    return await submit(request, platform, "/console/early-warning", work)
