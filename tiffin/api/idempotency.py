"""Idempotency keys: a retry with the same key and body returns the first answer; the same key
with a different body is refused (422) and changes nothing. The key row is written in the same
transaction as the work, so a crash can never record one without the other."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import bindparam, select

from tiffin.domain.principals import Principal
from tiffin.errors import CatalogChanged, Invalid, TiffinError
from tiffin.platform import Platform
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

REPLAY_HEADER = "Idempotent-Replayed"

_k = tables.idempotency_keys.c
_PRIOR = select(_k.request_hash, _k.status_code, _k.response).where(
    _k.user_id == bindparam("user_id"), _k.key == bindparam("key")
)


def fingerprint(path: str, body: BaseModel | None) -> str:
    payload = body.model_dump(mode="json") if body is not None else None
    canonical = json.dumps({"path": path, "body": payload}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# Attempts at work whose catalog copy went stale (``tiffin.ordering.checkout_cache``): each stale
# attempt drops the copies, so a second one fails only if the catalog changed again meanwhile.
CATALOG_ATTEMPTS = 3


def run_idempotent(
    platform: Platform,
    principal: Principal,
    key: str,
    request_hash: str,
    work: Callable[[UnitOfWork], BaseModel],
    *,
    status_code: int = 200,
) -> JSONResponse:
    """Do ``work`` once per key. Optimistic: most keys are new, so the work runs first and the
    key is claimed with ``INSERT ... ON CONFLICT DO NOTHING`` in the same transaction (on
    PostgreSQL inside the commit's one statement, see ``staging``; a look-up first would cost
    another round trip on every request). If the key was taken, or the work fails, the
    transaction rolls back and the first answer (or the refusal of a reused key) is given
    instead. Work priced from a stale catalog copy is done again, up to ``CATALOG_ATTEMPTS``
    times."""
    for attempt in range(1, CATALOG_ATTEMPTS + 1):
        try:
            return _attempt(platform, principal, key, request_hash, work, status_code)
        except CatalogChanged:
            if attempt == CATALOG_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _attempt(
    platform: Platform,
    principal: Principal,
    key: str,
    request_hash: str,
    work: Callable[[UnitOfWork], BaseModel],
    status_code: int,
) -> JSONResponse:
    with platform.uow() as uow:
        try:
            body = work(uow).model_dump(mode="json")
        except TiffinError:
            uow.rollback()  # nothing the failed work staged may be written
            prior = _replay(uow, principal, key, request_hash)
            if prior is not None:
                return prior  # a retry of a request that succeeded before: answer as then
            raise
        claim = {
            "user_id": principal.user_id,
            "key": key,
            "request_hash": request_hash,
            "status_code": status_code,
            "response": body,
            "created_at": platform.clock.now(),
        }
        if uow.commit(claim=(tables.idempotency_keys, claim)):
            return JSONResponse(body, status_code=status_code)
    # Taken by an earlier (or concurrent, now committed) request; this work was rolled back.
    with platform.uow(read_only=True) as uow:
        prior = _replay(uow, principal, key, request_hash)
    if prior is None:
        raise RuntimeError("an idempotency key was taken but cannot be read back")
    return prior


def _replay(
    uow: UnitOfWork, principal: Principal, key: str, request_hash: str
) -> JSONResponse | None:
    params = {"user_id": principal.user_id, "key": key}
    row = uow.conn.execute(_PRIOR, params).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise Invalid(
            "this Idempotency-Key was used for a different request; use a new key",
            code="idempotency_key_reused",
        )
    response: Any = row.response
    return JSONResponse(response, status_code=row.status_code, headers={REPLAY_HEADER: "true"})
