"""Who acts: the roles people sign in with, the system's own role, and the calling principal.

Roles are enums, never bare strings: an order's rules, the API's checks and the events all
compare against these members. ``ActorRole`` adds ``system`` (the dispatcher, the detectors, the
health watch) to the four roles a person can have; both are ``StrEnum`` so a stored or logged
role reads as its plain value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorRole(StrEnum):
    """Who can cause a change: the four roles people have, and the platform's own workers."""

    CUSTOMER = "customer"
    MERCHANT = "merchant"
    RIDER = "rider"
    OPERATOR = "operator"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: a role and, for people, their id (``system`` has none).

    A plain string naming a role is accepted and turned into its ``ActorRole`` (rows read back
    from the store carry strings); an unknown role is a ``ValueError``, never a silent string.
    """

    role: ActorRole
    id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.role, ActorRole):
            object.__setattr__(self, "role", ActorRole(self.role))

    def __str__(self) -> str:
        return f"{self.role}:{self.id}" if self.id else str(self.role)


SYSTEM = Actor(ActorRole.SYSTEM)


class Role(StrEnum):
    """The role a signed-in person has."""

    CUSTOMER = "customer"
    MERCHANT = "merchant"
    RIDER = "rider"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user, their tenant, role, and the customer/merchant/rider they are."""

    user_id: str
    tenant_id: str
    role: Role
    subject_id: str | None

    @property
    def actor(self) -> Actor:
        return Actor(ActorRole(self.role.value), self.subject_id or self.user_id)
