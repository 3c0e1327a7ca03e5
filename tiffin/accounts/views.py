"""/v1/auth: sign-up per role, login, logout, password change, and who-am-I; operators create
operators. Abuse guards: docs/security.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from tiffin.accounts import credentials, service, signup, vetting
from tiffin.accounts.schemas import (
    AccountRead,
    CustomerSignup,
    DecisionIn,
    LoginIn,
    MerchantSignup,
    OperatorCreate,
    PasswordChange,
    ReviewRead,
    RiderSignup,
    SignupAccepted,
    SignupBase,
    TokenRead,
)
from tiffin.api.deps import (
    CurrentPrincipal,
    OperatorPrincipal,
    PlatformDep,
    UowFactoryDep,
    client_ip,
)
from tiffin.api.paging import PageDep
from tiffin.api.problems import error_responses
from tiffin.catalog.service import register_merchant
from tiffin.domain.ids import new_id
from tiffin.domain.people import Customer, served
from tiffin.domain.principals import Principal, Role
from tiffin.domain.priorities import Priority, priority
from tiffin.errors import Invalid
from tiffin.riders.service import register_rider
from tiffin.store.uow import UnitOfWork, UnitOfWorkFactory
from tiffin.tenancy.service import zones_of

router = APIRouter(
    prefix="/v1", tags=["accounts"], responses=error_responses(400, 401, 403, 404, 409, 422)
)


def _account(principal: Principal) -> AccountRead:
    return AccountRead(
        user_id=principal.user_id,
        tenant_id=principal.tenant_id,
        role=principal.role,
        subject_id=principal.subject_id,
    )


def _sign_up(
    platform: PlatformDep,
    request: Request,
    body: SignupBase,
    role: Role,
    subject: Callable[[UnitOfWork, str], str],
) -> SignupAccepted:
    """Create ``subject`` and its login, or tell the address owner: the caller cannot tell
    which. The password is hashed before the writing unit of work opens (the write lock)."""
    email = body.email.strip().lower()
    platform.limits.hit("signup", f"ip:{client_ip(request)}", f"address:{body.tenant}:{email}")
    password_hash = service.hash_password(body.password)
    try:
        with platform.uow() as uow:
            tenant = service.tenant_by_slug(uow, body.tenant)
            service.create_user(
                uow,
                tenant_id=tenant.id,
                role=role,
                email=email,
                password_hash=password_hash,
                display_name=body.name,
                subject_id=subject(uow, tenant.id),
                now=uow.clock.now(),
            )
            uow.commit()
    except service.EmailTaken:
        with platform.uow() as uow:
            signup.tell_owner(uow, tenant_slug=body.tenant, email=email)
            uow.commit()
    return SignupAccepted(detail=signup.ACCEPTED_DETAIL)


@priority(Priority.IMPORTANT)
@router.post(
    "/auth/customers", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(429)
)
def sign_up_customer(
    body: CustomerSignup, request: Request, platform: PlatformDep
) -> SignupAccepted:
    """Sign up as a customer; log in afterwards (the answer never says if the address was new)."""

    def customer(uow: UnitOfWork, tenant_id: str) -> str:
        address = body.address.to_domain()
        if not served(zones_of(uow, tenant_id), address):
            raise Invalid(
                "this address is outside every zone we serve", code="address_outside_zones"
            )
        customer = Customer(
            id=new_id("cus"),
            tenant_id=tenant_id,
            name=body.name,
            address=address,
            address_note=body.address_note,
            language=body.language,
            phone=body.phone,
        )
        uow.customers.add(customer)
        return customer.id

    return _sign_up(platform, request, body, Role.CUSTOMER, customer)


@priority(Priority.IMPORTANT)
@router.post(
    "/auth/merchants", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(429)
)
def sign_up_merchant(
    body: MerchantSignup, request: Request, platform: PlatformDep
) -> SignupAccepted:
    """A kitchen applies to join; it stays closed and hidden from customers until an operator
    approves it."""

    def merchant(uow: UnitOfWork, tenant_id: str) -> str:
        made = register_merchant(
            uow,
            tenant_id=tenant_id,
            name=body.merchant_name,
            location=body.location.to_domain(),
            prep_minutes=body.prep_minutes,
            is_open=False,  # closed, and invisible to customers, until an operator approves
        )
        vetting.start_review(
            uow, tenant_id=tenant_id, kind=vetting.AccountKind.MERCHANT, subject_id=made.id
        )
        return made.id

    return _sign_up(platform, request, body, Role.MERCHANT, merchant)


@priority(Priority.IMPORTANT)
@router.post("/auth/riders", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(429))
def sign_up_rider(body: RiderSignup, request: Request, platform: PlatformDep) -> SignupAccepted:
    """A rider applies to join; they get no offers until an operator approves them."""

    def rider(uow: UnitOfWork, tenant_id: str) -> str:
        made = register_rider(uow, tenant_id=tenant_id, name=body.name, vehicle=body.vehicle)
        vetting.start_review(
            uow, tenant_id=tenant_id, kind=vetting.AccountKind.RIDER, subject_id=made.id
        )
        return made.id

    return _sign_up(platform, request, body, Role.RIDER, rider)


@priority(Priority.IMPORTANT)
@router.post("/operators", status_code=status.HTTP_201_CREATED)
def create_operator(
    body: OperatorCreate, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> AccountRead:
    """An operator adds another operator to their tenant."""
    password_hash = service.hash_password(body.password)  # before the write lock, not in it
    with open_uow() as uow:
        user = service.create_user(
            uow,
            tenant_id=principal.tenant_id,
            role=Role.OPERATOR,
            email=body.email,
            password_hash=password_hash,
            display_name=body.name,
            subject_id=None,
            now=uow.clock.now(),
        )
        uow.commit()
    return AccountRead(user_id=user.id, tenant_id=user.tenant_id, role=user.role, subject_id=None)


def _token_read(user: dict[str, Any], token: str, expires_at: datetime) -> TokenRead:
    return TokenRead(
        user_id=user["id"],
        tenant_id=user["tenant_id"],
        role=Role(user["role"]),
        subject_id=user["subject_id"],
        access_token=token,
        expires_at=expires_at,
    )


@priority(Priority.CORE)
@router.post("/auth/login", responses=error_responses(429))
def log_in(body: LoginIn, request: Request, platform: PlatformDep) -> TokenRead:
    """Unknown tenant, unknown user and wrong password answer alike, in about the same time;
    failures in a row lock the login name out for a time that doubles with each."""
    return _log_in(platform, request, body.tenant, body.email, body.password)


@priority(Priority.CORE)
@router.post("/auth/token", responses=error_responses(429))
def log_in_with_a_form(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, platform: PlatformDep
) -> TokenRead:
    """Log in with a form (``username=<tenant>/<email>``, ``password``): the same login as
    ``POST /v1/auth/login``, for OAuth2 clients such as the docs' Authorize button."""
    tenant, email = credentials.split_username(form.username)
    return _log_in(platform, request, tenant, email, form.password)


def _log_in(
    platform: PlatformDep, request: Request, tenant: str, email: str, password: str
) -> TokenRead:
    key = credentials.account_key(tenant, email)
    platform.limits.hit("login", f"ip:{client_ip(request)}", f"account:{key}")
    done = credentials.log_in(
        platform.uow,
        tenant=tenant,
        email=email,
        password=password,
        lockout=platform.lockout,
        ttl=timedelta(minutes=platform.settings.token_ttl_minutes),
    )
    return _token_read(done.user, done.token, done.expires_at)


@priority(Priority.IMPORTANT)
@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def log_out(request: Request, platform: PlatformDep, principal: CurrentPrincipal) -> None:
    """Revoke the token this request carries, at once (every process sees it)."""
    token = request.headers["Authorization"].split(" ", 1)[1].strip()
    with platform.uow() as uow:
        gone = service.delete_tokens(uow, user_id=principal.user_id, token=token)
        uow.commit()
    platform.tokens.revoke(gone, platform.clock.now())


@priority(Priority.IMPORTANT)
@router.post("/auth/password", responses=error_responses(429))
def change_password(
    body: PasswordChange, request: Request, platform: PlatformDep, principal: CurrentPrincipal
) -> TokenRead:
    """A new password revokes every token of the account; the answer carries a fresh one."""
    platform.limits.hit("login", f"ip:{client_ip(request)}", f"user:{principal.user_id}")
    done, gone = credentials.change_password(
        platform.uow,
        user_id=principal.user_id,
        current=body.current_password,
        new=body.new_password,
        ttl=timedelta(minutes=platform.settings.token_ttl_minutes),
    )
    platform.tokens.revoke(gone, platform.clock.now())
    return _token_read(done.user, done.token, done.expires_at)


@priority(Priority.IMPORTANT)
@router.get("/me")
def who_am_i(principal: CurrentPrincipal) -> AccountRead:
    """The caller's account: role, tenant and the merchant or rider it speaks for."""
    return _account(principal)


# /v1/account-reviews: operators vet the riders and merchants who signed themselves up.
reviews_router = APIRouter(
    prefix="/v1/account-reviews",
    tags=["accounts"],
    responses=error_responses(400, 401, 403, 404, 409, 413, 422),
)


@priority(Priority.IMPORTANT)
@reviews_router.get("")
def list_reviews(
    open_uow: UowFactoryDep,
    principal: OperatorPrincipal,
    page: PageDep,
    status: vetting.Review = vetting.Review.PENDING,
    kind: vetting.AccountKind | None = None,
) -> list[ReviewRead]:
    """Riders and merchants of your tenant by review state (pending first of all)."""
    with open_uow(read_only=True) as uow:
        rows = vetting.list_reviews(
            uow,
            tenant_id=principal.tenant_id,
            status=status,
            kind=kind,
            limit=page.rows,
            offset=page.offset,
        )
    return [ReviewRead(**r) for r in page.window(rows)]


def _decide(
    open_uow: UnitOfWorkFactory,
    principal: OperatorPrincipal,
    subject_id: str,
    to: vetting.Review,
    note: str,
) -> ReviewRead:
    with open_uow() as uow:
        row = vetting.decide(
            uow,
            tenant_id=principal.tenant_id,
            subject_id=subject_id,
            to=to,
            note=note,
            by=str(principal.actor),
        )
        uow.commit()
    return ReviewRead(**row)


@priority(Priority.IMPORTANT)
@reviews_router.post("/{subject_id}/approve")
def approve(
    subject_id: str, body: DecisionIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> ReviewRead:
    """Let a pending rider go on shift, or a pending merchant open and be seen."""
    return _decide(open_uow, principal, subject_id, vetting.Review.APPROVED, body.note)


@priority(Priority.IMPORTANT)
@reviews_router.post("/{subject_id}/refuse")
def refuse(
    subject_id: str, body: DecisionIn, open_uow: UowFactoryDep, principal: OperatorPrincipal
) -> ReviewRead:
    """Turn a pending account down for good (it stays unable to work)."""
    return _decide(open_uow, principal, subject_id, vetting.Review.REFUSED, body.note)
