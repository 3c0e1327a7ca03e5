"""/v1/auth: sign-up per role, login, and who-am-I; operators create operators."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, status

from tiffin.accounts import service, vetting
from tiffin.accounts.model import Principal, Role
from tiffin.accounts.schemas import (
    AccountRead,
    CustomerSignup,
    LoginIn,
    MerchantSignup,
    OperatorCreate,
    RiderSignup,
    SignupBase,
    TokenRead,
)
from tiffin.api.deps import CurrentPrincipal, OperatorPrincipal, PlatformDep
from tiffin.api.problems import error_responses
from tiffin.catalog.service import register_merchant
from tiffin.domain.ids import new_id
from tiffin.domain.people import Customer, served
from tiffin.errors import Invalid
from tiffin.riders.service import register_rider
from tiffin.store.uow import UnitOfWork
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


def _signup(
    uow: UnitOfWork, body: SignupBase, role: Role, subject_id: str | None, tenant_id: str
) -> AccountRead:
    user = service.create_user(
        uow,
        tenant_id=tenant_id,
        role=role,
        email=body.email,
        password=body.password,
        display_name=body.name,
        subject_id=subject_id,
        now=uow.clock.now(),
    )
    return AccountRead(user_id=user.id, tenant_id=tenant_id, role=role, subject_id=subject_id)


@router.post("/auth/customers", status_code=status.HTTP_201_CREATED)
def sign_up_customer(body: CustomerSignup, platform: PlatformDep) -> AccountRead:
    with platform.uow() as uow:
        tenant = service.tenant_by_slug(uow, body.tenant)
        address = body.address.to_domain()
        if not served(zones_of(uow, tenant.id), address):
            raise Invalid(
                "this address is outside every zone we serve", code="address_outside_zones"
            )
        customer = Customer(
            id=new_id("cus"),
            tenant_id=tenant.id,
            name=body.name,
            address=address,
            address_note=body.address_note,
            language=body.language,
            phone=body.phone,
        )
        uow.customers.add(customer)
        account = _signup(uow, body, Role.CUSTOMER, customer.id, tenant.id)
        uow.commit()
    return account


@router.post("/auth/merchants", status_code=status.HTTP_201_CREATED)
def sign_up_merchant(body: MerchantSignup, platform: PlatformDep) -> AccountRead:
    with platform.uow() as uow:
        tenant = service.tenant_by_slug(uow, body.tenant)
        merchant = register_merchant(
            uow,
            tenant_id=tenant.id,
            name=body.merchant_name,
            location=body.location.to_domain(),
            prep_minutes=body.prep_minutes,
            is_open=False,  # closed, and invisible to customers, until an operator approves
        )
        vetting.start_review(
            uow, tenant_id=tenant.id, kind=vetting.AccountKind.MERCHANT, subject_id=merchant.id
        )
        account = _signup(uow, body, Role.MERCHANT, merchant.id, tenant.id)
        uow.commit()
    return account


@router.post("/auth/riders", status_code=status.HTTP_201_CREATED)
def sign_up_rider(body: RiderSignup, platform: PlatformDep) -> AccountRead:
    with platform.uow() as uow:
        tenant = service.tenant_by_slug(uow, body.tenant)
        rider = register_rider(uow, tenant_id=tenant.id, name=body.name, vehicle=body.vehicle)
        vetting.start_review(
            uow, tenant_id=tenant.id, kind=vetting.AccountKind.RIDER, subject_id=rider.id
        )
        account = _signup(uow, body, Role.RIDER, rider.id, tenant.id)
        uow.commit()
    return account


@router.post("/operators", status_code=status.HTTP_201_CREATED)
def create_operator(
    body: OperatorCreate, platform: PlatformDep, principal: OperatorPrincipal
) -> AccountRead:
    with platform.uow() as uow:
        user = service.create_user(
            uow,
            tenant_id=principal.tenant_id,
            role=Role.OPERATOR,
            email=body.email,
            password=body.password,
            display_name=body.name,
            subject_id=None,
            now=uow.clock.now(),
        )
        uow.commit()
    return AccountRead(user_id=user.id, tenant_id=user.tenant_id, role=user.role, subject_id=None)


@router.post("/auth/login")
def log_in(body: LoginIn, platform: PlatformDep) -> TokenRead:
    ttl = timedelta(minutes=platform.settings.token_ttl_minutes)
    with platform.uow() as uow:
        token, expires_at, user = service.login(
            uow,
            tenant_slug=body.tenant,
            email=body.email,
            password=body.password,
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


@router.get("/me")
def who_am_i(principal: CurrentPrincipal) -> AccountRead:
    return _account(principal)
