"""``POST /v1/auth/token``: the OAuth2 password flow, so the docs' Authorize button can log in."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from tiffin.accounts import service
from tiffin.accounts.schemas import TokenRead
from tiffin.api.deps import PlatformDep
from tiffin.api.problems import error_responses
from tiffin.errors import Invalid

router = APIRouter(prefix="/v1", tags=["accounts"], responses=error_responses(401, 404, 422))

TOKEN_URL = "/v1/auth/token"


def split_username(username: str) -> tuple[str, str]:
    """``campus/student1@campus.test`` -> (tenant, email): Swagger's Authorize dialog has only a
    username and a password, and a login needs the tenant too."""
    tenant, slash, email = username.partition("/")
    if not slash or not tenant or not email:
        raise Invalid(
            "the username is '<tenant>/<email>', e.g. 'campus/student1@campus.test'",
            code="username_without_tenant",
        )
    return tenant.strip(), email.strip()


@router.post("/auth/token")
def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], platform: PlatformDep
) -> TokenRead:
    """Log in with a form (``username=<tenant>/<email>``, ``password``): the same login as
    ``POST /v1/auth/login``, for OAuth2 clients such as the docs' Authorize button."""
    tenant, email = split_username(form.username)
    ttl = timedelta(minutes=platform.settings.token_ttl_minutes)
    with platform.uow() as uow:
        token, expires_at, user = service.login(
            uow,
            tenant_slug=tenant,
            email=email,
            password=form.password,
            now=uow.clock.now(),
            ttl=ttl,
        )
        uow.commit()
    return TokenRead(
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        subject_id=user.subject_id,
        access_token=token,
        expires_at=expires_at,
    )
