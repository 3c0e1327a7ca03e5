"""/console/trust: a person's trust score and its reasons, and the tenant's trust policy as a
form. The policy is saved through the same service as ``PUT /v1/trust/policy`` (as the next
version); a refused policy comes back with the service's problem code."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tiffin.api.deps import PlatformDep
from tiffin.console import trust_pages
from tiffin.console.views.base import page, require_operator, submit
from tiffin.domain.principals import Principal
from tiffin.trust import service
from tiffin.trust.policy import ROLES

router = APIRouter(include_in_schema=False)


@router.get("/console/trust", response_class=HTMLResponse)
async def trust_desk(
    request: Request,
    platform: PlatformDep,
    role: str = Query(default="customer", max_length=20),
    subject_id: str = Query(default="", max_length=40),
) -> Response:
    """Look a customer, rider or kitchen up by id; another tenant's person is not found."""
    chosen = role if role in ROLES else "customer"
    return await page(
        request,
        platform,
        "Trust",
        lambda uow, v: trust_pages.desk(uow, v, role=chosen, subject_id=subject_id.strip()),
        live=None,
    )


@router.post("/console/trust/policy")
async def save_policy(request: Request, platform: PlatformDep) -> Response:
    """Save the form as the tenant's next trust policy version (every field validated)."""

    def work(principal: Principal, values: dict[str, str]) -> None:
        require_operator(principal)
        with platform.uow() as uow:
            current = service.policy_for(uow, principal.tenant_id).version
            document = trust_pages.policy_document(values, current + 1)
            service.save_policy(uow, principal, document)
            uow.commit()

    return await submit(request, platform, "/console/trust", work)
