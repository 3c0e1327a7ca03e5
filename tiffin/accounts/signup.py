"""Sign-up that does not tell a stranger whether an address already has an account.

Both outcomes answer the same (``ACCEPTED``): a new account, or, when the address is taken
(found, or taken by a concurrent sign-up a moment earlier), a message to the account's owner
saying someone tried to sign up with it. The password is hashed before any writing unit of
work opens, so both cost the same time and neither holds the write lock while hashing.
"""

from __future__ import annotations

from sqlalchemy import select

from tiffin.domain.events import CustomerMessaged
from tiffin.domain.ids import new_id
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

ACCEPTED_DETAIL = (
    "sign-up received: if the address can be used, log in with it now; "
    "if it already has an account here, its owner has been told"
)
TITLE = "Someone tried to sign up with your address"
BODY = (
    "A sign-up was attempted with the e-mail address of your account. If it was you, log in "
    "instead (or change your password if you forgot it). If not, you need do nothing."
)


def tell_owner(uow: UnitOfWork, *, tenant_slug: str, email: str) -> None:
    """Leave the address owner a message (at most one an hour): customers in their inbox,
    other roles as an in-app notification."""
    u, t = tables.users.c, tables.tenants.c
    owner = uow.conn.execute(
        select(u.id, u.tenant_id, u.role, u.subject_id)
        .join(tables.tenants, t.id == u.tenant_id)
        .where(t.slug == tenant_slug, u.email == email.strip().lower())
    ).first()
    if owner is None:
        return  # the colliding sign-up rolled back after all: nothing to tell
    now = uow.clock.now()
    key = f"signup-attempt:{now:%Y%m%d%H}"
    if owner.role == "customer" and owner.subject_id:
        message_id = new_id("msg")
        sent = insert_ignore(
            uow.conn,
            tables.inbox_messages,
            {
                "id": message_id,
                "tenant_id": owner.tenant_id,
                "customer_id": owner.subject_id,
                "order_id": None,
                "event_id": None,
                "dedupe_key": key,
                "title": TITLE,
                "body": BODY,
                "created_at": now,
            },
        )
        if sent:  # said to a customer: recorded for the audit chain
            uow.emit(
                CustomerMessaged(
                    aggregate_id=message_id,
                    tenant_id=owner.tenant_id,
                    at=now,
                    recipient=f"customer:{owner.subject_id}",
                    order_id=None,
                    channels=("inbox",),
                    dedupe_key=key,
                    title=TITLE,
                    body=BODY,
                )
            )
        return
    insert_ignore(
        uow.conn,
        tables.notifications,
        {
            "id": new_id("ntf"),
            "tenant_id": owner.tenant_id,
            "recipient": f"user:{owner.id}",
            "address": None,
            "customer_id": None,
            "order_id": None,
            "anomaly_id": None,
            "incident_id": None,
            "dedupe_key": f"{key}:{owner.id}",
            "language": "en",
            "title": TITLE,
            "body": BODY,
            "priority": 100,
            "channels": ["inbox"],
            "channel_index": 0,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
