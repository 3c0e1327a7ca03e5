"""Double-submit CSRF tokens and the cookies the pages set.

Every page sets a random token in a cookie (readable by no other site: SameSite=Lax) and in a
hidden field of each form; a form post is accepted only when the two match. A forged post from
another site cannot read the cookie, so it cannot send the matching field.
"""

from __future__ import annotations

import hmac
import secrets

SESSION_COOKIE = "tiffin_session"
CSRF_COOKIE = "tiffin_csrf"
LANGUAGE_COOKIE = "tiffin_lang"
CSRF_FIELD = "csrf"
MAX_TOKEN = 200


def new_token() -> str:
    return secrets.token_urlsafe(32)


def matches(cookie: str | None, sent: str | None) -> bool:
    """True when both are present, bounded, and equal (compared in constant time)."""
    if not cookie or not sent or len(cookie) > MAX_TOKEN or len(sent) > MAX_TOKEN:
        return False
    return hmac.compare_digest(cookie.encode(), sent.encode())


def safe_next(path: str | None, default: str) -> str:
    """A same-site path to go back to (never ``//host`` or a full URL: no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path[:300]
