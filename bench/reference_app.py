"""The reference for bench/api_orders.py: the least a FastAPI + SQLAlchemy order endpoint can do.

One pydantic body, one INSERT, one commit, no auth, no idempotency, no outbox. tiffin does far
more per order (token check, menu prices, zone check, promise, state history, outbox event,
idempotency record); the benchmark measures what that costs.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table, create_engine, event, insert

metadata = MetaData()
orders = Table(
    "reference_orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("merchant_id", String(40), nullable=False),
    Column("items", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class Line(BaseModel):
    item_id: str
    quantity: int


class OrderIn(BaseModel):
    merchant_id: str
    items: list[Line]


def create_reference_app() -> FastAPI:
    url = os.environ["REFERENCE_DATABASE_URL"]
    sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False} if sqlite else {},
        pool_size=8,
        max_overflow=8,
    )
    if sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _: Any) -> None:  # same durability as tiffin: WAL + FULL
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")

    metadata.drop_all(engine)
    metadata.create_all(engine)
    app = FastAPI()

    @app.post("/orders", status_code=201)
    def place(body: OrderIn) -> dict[str, str]:
        order_id = uuid.uuid4().hex
        with engine.begin() as conn:
            conn.execute(
                insert(orders).values(
                    id=order_id,
                    merchant_id=body.merchant_id,
                    items=json.loads(body.model_dump_json())["items"],
                    created_at=datetime.now(UTC),
                )
            )
        return {"id": order_id}

    return app
