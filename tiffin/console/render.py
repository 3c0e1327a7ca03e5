"""Templates: one Jinja2 environment, and the helpers every page gets (words, money, times)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tiffin.console import i18n
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def environment() -> Environment:
    """Autoescaping on for every template: names and notes come from users."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Visitor:
    """Who is looking, in which language and time zone, with which form token."""

    principal: Principal | None
    language: str
    csrf: str
    tz: ZoneInfo
    tenant: str = ""  # the tenant's display name, once signed in

    def helpers(self) -> dict[str, Any]:
        tz = self.tz

        def hm(at: datetime | None) -> str:
            return i18n.local_time(at, tz)

        return {
            "_": functools.partial(i18n.translate, self.language),
            "money": i18n.money,
            "hm": hm,
            "mins": i18n.minutes,
            "csrf": self.csrf,
            "lang": self.language,
            "languages": i18n.LANGUAGES,
            "me": self.principal,
            "tenant": self.tenant,
        }


def operator_only(visitor: Visitor) -> Principal:
    """The visitor, if they are signed in as an operator (the console's own pages and forms)."""
    principal = visitor.principal
    if principal is None:
        raise Forbidden("log in first", code="login_required")
    if principal.role is not Role.OPERATOR:
        raise Forbidden("only operators use the console", code="operator_only")
    return principal


def render(template: str, visitor: Visitor, **values: Any) -> str:
    return environment().get_template(template).render(**visitor.helpers(), **values)
