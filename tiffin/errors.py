"""The one exception hierarchy: every capability raises a subclass with a stable ``code``.

The API turns these into RFC 9457 problem+json in one place (``tiffin.api.problems``); the CLI
prints ``detail`` and exits non-zero. Nothing below the edges knows about HTTP beyond the
``status`` hint each class carries.
"""

from __future__ import annotations

from typing import Any


class TiffinError(Exception):
    """Base of every error tiffin raises on purpose."""

    code = "tiffin_error"
    status = 400
    title = "Request refused"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class NotFound(TiffinError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(TiffinError):
    code = "conflict"
    status = 409
    title = "Conflict with the current state"


class CatalogChanged(Conflict):
    """What an order was priced from changed before it could be written; nothing was.
    Placement retries with fresh reads and gives this to the caller only if that keeps
    happening."""

    code = "catalog_changed"


class Invalid(TiffinError):
    code = "invalid"
    status = 422
    title = "Invalid request"


class UnsupportedMediaType(TiffinError):
    """A body sent as a type the route does not read (JSON routes answer this from the
    validation handler; routes taking another format raise it)."""

    code = "unsupported_media_type"
    status = 415
    title = "Unsupported media type"


class Unauthorized(TiffinError):
    code = "unauthorized"
    status = 401
    title = "Authentication required"


class Forbidden(TiffinError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


class TooManyRequests(TiffinError):
    """Refused for volume (rate limit or lockout); ``retry_after`` is in whole seconds."""

    code = "rate_limited"
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, retry_after=retry_after)
        self.retry_after = max(1, retry_after)
