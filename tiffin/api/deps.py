"""FastAPI dependencies: the platform, the unit of work's clock, and the calling principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tiffin.accounts.model import Principal, Role
from tiffin.errors import Forbidden, Unauthorized
from tiffin.platform import Platform

_bearer = HTTPBearer(auto_error=False)


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def current_principal(
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(
            "send 'Authorization: Bearer <token>' (log in first)", code="missing_token"
        )
    return platform.tokens.principal(
        lambda: platform.uow(read_only=True), credentials.credentials, platform.clock.now()
    )


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def operator(principal: CurrentPrincipal) -> Principal:
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only operators can do this", code="operator_only")
    return principal


OperatorPrincipal = Annotated[Principal, Depends(operator)]
