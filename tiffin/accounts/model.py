"""A user account (pure); who is asking (``Principal``) and roles live in ``tiffin.domain``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tiffin.domain.principals import Role


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
