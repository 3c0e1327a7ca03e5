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
from sqlalchemy.exc import IntegrityError

from tiffin.accounts.model import Principal
from tiffin.errors import Invalid
from tiffin.platform import Platform
from tiffin.store import tables
from tiffin.store.repositories import inserting
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


def run_idempotent(
    platform: Platform,
    principal: Principal,
    key: str,
    request_hash: str,
    work: Callable[[UnitOfWork], BaseModel],
    *,
    status_code: int = 200,
) -> JSONResponse:
    try:
        with platform.uow() as uow:
            prior = _replay(uow, principal, key, request_hash)
            if prior is not None:
                return prior
            body = work(uow).model_dump(mode="json")
            uow.conn.execute(
                inserting(tables.idempotency_keys),
                {
                    "user_id": principal.user_id,
                    "key": key,
                    "request_hash": request_hash,
                    "status_code": status_code,
                    "response": body,
                    "created_at": platform.clock.now(),
                },
            )
            uow.commit()
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        with platform.uow(read_only=True) as uow:
            prior = _replay(uow, principal, key, request_hash)
        if prior is None:
            raise
        return prior
    return JSONResponse(body, status_code=status_code)


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
