"""Paging for every list: ``limit`` (1-100, default 50) and ``offset``, with the next page's
address in a ``Link: <...>; rel="next"`` header (RFC 8288) while there is one.

Lists stay plain JSON arrays, so clients that read one page keep working; a query fetches
``limit + 1`` rows to know whether a next page exists without counting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request, Response

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
MAX_OFFSET = 100_000


class Page:
    """The page a list request asked for; ``rows`` fetches one more than it shows."""

    def __init__(
        self,
        request: Request,
        response: Response,
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description="items per page (at most 100)")
        ] = DEFAULT_LIMIT,
        offset: Annotated[
            int, Query(ge=0, le=MAX_OFFSET, description="items to skip (from a next link)")
        ] = 0,
    ) -> None:
        self.request, self.response = request, response
        self.limit, self.offset = limit, offset

    @property
    def rows(self) -> int:
        """How many rows a query should fetch from ``offset``."""
        return self.limit + 1

    def window(self, fetched: Sequence[T]) -> list[T]:
        """The page out of ``rows`` fetched from ``offset``; sets the next link if more exist."""
        if len(fetched) > self.limit:
            following = self.request.url.include_query_params(
                limit=self.limit, offset=self.offset + self.limit
            )
            self.response.headers["Link"] = f'<{following}>; rel="next"'
        return list(fetched[: self.limit])

    def of(self, everything: Sequence[T]) -> list[T]:
        """The page out of a whole (already bounded) list a service returned."""
        return self.window(everything[self.offset : self.offset + self.rows])


PageDep = Annotated[Page, Depends(Page)]
