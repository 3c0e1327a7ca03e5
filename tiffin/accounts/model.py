"""Users and principals (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tiffin.domain.events import Actor


class Role(StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    RIDER = "rider"
    OPERATOR = "operator"


@dataclass
class User:
    id: str
    tenant_id: str
    role: Role
    email: str
    password_hash: str
    display_name: str
    subject_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user, their tenant, role, and the customer/merchant/rider they are."""

    user_id: str
    tenant_id: str
    role: Role
    subject_id: str | None

    @property
    def actor(self) -> Actor:
        return Actor(self.role.value, self.subject_id or self.user_id)
