"""/v1/me/inbox: the customer's messages about their orders."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from tiffin.accounts.model import Role
from tiffin.api.deps import CurrentPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.care.inbox import messages_for
from tiffin.errors import Forbidden

router = APIRouter(prefix="/v1", tags=["care"], responses=error_responses(401, 403))


class MessageRead(BaseModel):
    id: str
    order_id: str | None
    title: str
    body: str
    created_at: datetime


@router.get("/me/inbox")
def inbox(platform: PlatformDep, principal: CurrentPrincipal) -> list[MessageRead]:
    if principal.role is not Role.CUSTOMER or principal.subject_id is None:
        raise Forbidden("only customers have an inbox", code="customer_only")
    with platform.uow(read_only=True) as uow:
        return [MessageRead(**m) for m in messages_for(uow, principal.subject_id)]  # type: ignore[arg-type]
