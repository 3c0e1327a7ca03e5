"""Words, money and times for the pages: zh-CN and en, from gettext catalogues read with Babel.

English is the source language (the msgids); zh-CN comes from ``locale/zh_CN/LC_MESSAGES/
console.po``, read once per process. A missing translation falls back to the English text.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.messages.pofile import read_po

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"  # the demo's students read Chinese first
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "console"


def po_path(language: str) -> Path:
    return LOCALE_DIR / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """msgid -> translation for ``language`` (empty for English, the source language)."""
    path = po_path(language)
    if language == "en" or not path.exists():
        return {}
    with path.open("rb") as f:
        po = read_po(f)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def language_of(wanted: str | None) -> str:
    """A supported language: the one asked for, else the default."""
    return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE


def translate(language: str, text: str) -> str:
    return catalogue(language).get(text, text)


def money(cents: int) -> str:
    """¥12.50 from 1250: the tenants price in yuan (integer cents everywhere else)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}¥{whole:,}.{part:02d}"


def zone(name: str) -> ZoneInfo:
    """A tenant's time zone; an unknown name reads as UTC rather than failing a page."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(at: datetime | None, tz: ZoneInfo) -> str:
    """``HH:MM`` on the tenant's wall clock; empty for no time."""
    return "" if at is None else at.astimezone(tz).strftime("%H:%M")


def minutes(seconds: float) -> str:
    """A duration as whole minutes, at least one when it is positive (``3 min``)."""
    whole = int(seconds // 60)
    return f"{max(whole, 1 if seconds > 0 else 0)} min"
