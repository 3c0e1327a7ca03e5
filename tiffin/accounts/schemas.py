"""Sign-up and login payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tiffin.accounts import vetting
from tiffin.api.common import Point, Strict
from tiffin.domain.people import VehicleType
from tiffin.domain.principals import Role

Email = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Password = Field(min_length=8, max_length=200)
Name = Field(min_length=1, max_length=200, pattern=r"\S")
Slug = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9-]+$")


class SignupBase(Strict):
    tenant: str = Slug
    email: str = Email
    password: str = Password
    name: str = Name


class CustomerSignup(SignupBase):
    address: Point
    address_note: str = Field(default="", max_length=500)
    language: Literal["en", "zh-CN"] = "en"
    phone: str = Field(default="", max_length=40)


class MerchantSignup(SignupBase):
    merchant_name: str = Name
    location: Point
    prep_minutes: int = Field(default=12, ge=1, le=180)


class RiderSignup(SignupBase):
    vehicle: VehicleType = VehicleType.EBIKE


class OperatorCreate(Strict):
    email: str = Email
    password: str = Password
    name: str = Name


class LoginIn(Strict):
    tenant: str = Slug
    email: str = Email
    password: str = Field(min_length=1, max_length=200)


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Password


class SignupAccepted(BaseModel):
    """The same answer whether the address was new or already had an account."""

    status: Literal["accepted"] = "accepted"
    detail: str


class AccountRead(BaseModel):
    user_id: str
    tenant_id: str
    role: Role
    subject_id: str | None


class TokenRead(AccountRead):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class ReviewRead(BaseModel):
    subject_id: str
    kind: vetting.AccountKind
    name: str
    status: vetting.Review
    note: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


class DecisionIn(Strict):
    note: str = Field(
        min_length=1,
        max_length=1000,
        pattern=r"\S",
        description="what was checked (documents, vetting) or why the account is refused",
    )
