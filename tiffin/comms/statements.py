"""Public statements about an incident or an anomaly wave: drafted from its facts, edited,
published, all kept.

A draft is version 1; each edit is a new version; publishing a version puts it on the status
page and in the in-app inbox of every customer it touched, in their language. An incident's
statement is a public update of the incident, which its subscribers' lanes (in-app, email,
webhook) carry; a wave's is listed on the status page by itself and sent to the subscribers of
the component the wave hurt (``comms.wave_statements``). A published version is never changed:
the next edit is a new version.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select, update

from tiffin.comms import wave_statements
from tiffin.comms.model import LANGUAGES, StatementFacts, draft_statement
from tiffin.comms.waves import draft_wave_statement
from tiffin.domain.events import CustomerMessaged
from tiffin.domain.ids import new_id
from tiffin.errors import Conflict, Invalid, NotFound
from tiffin.incidents import service as incidents
from tiffin.incidents.make_good import affected_orders
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork
from tiffin.store.upsert import insert_ignore

st, sv = tables.statements.c, tables.statement_versions.c
MAX_TITLE, MAX_BODY = 200, 4000


def facts_of(uow: UnitOfWork, incident: dict[str, Any]) -> StatementFacts:
    """What the incident's record says, for a draft."""
    u = tables.incident_updates.c
    doing = uow.conn.execute(
        select(u.message)
        .where(u.incident_id == incident["id"], u.internal.is_(False))
        .order_by(u.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    hit = tuple(sorted(c for c, impact in incident["components"].items() if impact != "none"))
    return StatementFacts(
        what=incident["title"],
        components=hit,
        since=incident["started_at"],
        affected_orders=len(affected_orders(uow, incident)),
        doing=doing or "",
        resolved_at=incident["resolved_at"],
        compensation_cents=int(incident["made_good_cents"]),
        compensated_orders=int(incident["made_good_orders"]),
    )


def draft(uow: UnitOfWork, incident_id: str, *, tenant_id: str | None, author: str) -> str:
    """A new statement for the incident, version 1 drafted from its facts."""
    incident = incidents.get(uow, incident_id, tenant_id=tenant_id)
    facts = facts_of(uow, incident)
    statement_id = new_id("stm")
    now = uow.clock.now()
    uow.conn.execute(
        tables.statements.insert().values(
            id=statement_id,
            tenant_id=incident["tenant_id"],
            incident_id=incident_id,
            created_by=author,
            created_at=now,
        )
    )
    _add_version(uow, statement_id, 1, facts.as_json(), draft_statement(facts), author)
    return statement_id


def draft_from_wave(
    uow: UnitOfWork, definition: dict[str, Any], *, tenant_id: str, author: str
) -> str:
    """A new statement about an anomaly wave, version 1 drafted from its facts."""
    wave = wave_statements.check_definition(definition)
    facts = wave_statements.facts_of(uow, tenant_id, wave)
    statement_id = new_id("stm")
    uow.conn.execute(
        tables.statements.insert().values(
            id=statement_id,
            tenant_id=tenant_id,
            incident_id=None,
            wave=wave,
            created_by=author,
            created_at=uow.clock.now(),
        )
    )
    _add_version(uow, statement_id, 1, facts.as_json(), draft_wave_statement(facts), author)
    return statement_id


def _add_version(
    uow: UnitOfWork,
    statement_id: str,
    version: int,
    facts: dict[str, Any],
    texts: dict[str, dict[str, str]],
    author: str,
) -> None:
    uow.conn.execute(
        tables.statement_versions.insert().values(
            statement_id=statement_id,
            version=version,
            facts=facts,
            texts=texts,
            author=author,
            created_at=uow.clock.now(),
        )
    )


def _statement(uow: UnitOfWork, statement_id: str, tenant_id: str | None) -> dict[str, Any]:
    row = (
        uow.conn.execute(select(tables.statements).where(st.id == statement_id)).mappings().first()
    )
    if row is None or row["tenant_id"] not in (None, tenant_id):
        raise NotFound(f"no statement with id {statement_id!r}", resource="statement")
    return dict(row)


def check_texts(texts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Both languages, each with a title and a body of bounded length."""
    if set(texts) != set(LANGUAGES):
        raise Invalid("a statement has texts in zh-CN and en, no more", code="bad_statement")
    for lang, text in texts.items():
        title, body = (text.get("title") or "").strip(), (text.get("body") or "").strip()
        if not title or not body or len(title) > MAX_TITLE or len(body) > MAX_BODY:
            raise Invalid(
                f"the {lang} text needs a title (at most {MAX_TITLE} characters) and a body "
                f"(at most {MAX_BODY})",
                code="bad_statement",
            )
    return {
        lang: {"title": t["title"].strip(), "body": t["body"].strip()} for lang, t in texts.items()
    }


def edit(
    uow: UnitOfWork,
    statement_id: str,
    *,
    tenant_id: str | None,
    texts: dict[str, dict[str, str]],
    author: str,
) -> int:
    """A new version with the operator's words (the facts carried over); returns its number."""
    _statement(uow, statement_id, tenant_id)
    newest = uow.conn.execute(
        select(sv.version, sv.facts)
        .where(sv.statement_id == statement_id)
        .order_by(sv.version.desc())
        .limit(1)
        .with_for_update()
    ).one()
    version = int(newest.version) + 1
    _add_version(uow, statement_id, version, dict(newest.facts), check_texts(texts), author)
    return version


def publish(
    uow: UnitOfWork, statement_id: str, version: int, *, tenant_id: str | None, author: str
) -> int:
    """Publish one version: status page, subscribers' lanes, the inbox of every customer the
    incident or wave touched. Returns how many customers' inboxes got it."""
    statement = _statement(uow, statement_id, tenant_id)
    row = (
        uow.conn.execute(
            select(tables.statement_versions).where(
                sv.statement_id == statement_id, sv.version == version
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no version {version} of statement {statement_id!r}", resource="statement")
    if row["published_at"] is not None:
        raise Conflict("this version is published already", code="already_published")
    now = uow.clock.now()
    uow.conn.execute(
        update(tables.statement_versions)
        .where(sv.statement_id == statement_id, sv.version == version)
        .values(published_at=now, published_by=author)
    )
    texts = row["texts"]
    if statement["incident_id"] is None:  # a wave's: the status page lists it as published
        wave_statements.tell_subscribers(uow, statement, version, texts)
        tenant = str(statement["tenant_id"])
        touched = {
            (c, tenant) for c in wave_statements.customers_of(uow, tenant, statement["wave"])
        }
        return _to_inboxes(uow, statement, version, texts, touched)
    page = f"{texts['zh-CN']['title']}\n{texts['zh-CN']['body']}\n\n"
    page += f"{texts['en']['title']}\n{texts['en']['body']}"
    incidents.publish_note(uow, statement["incident_id"], message=page, author=author)
    return _to_inboxes(uow, statement, version, texts, _incident_audience(uow, statement))


def _incident_audience(uow: UnitOfWork, statement: dict[str, Any]) -> set[tuple[str, str]]:
    """(customer, tenant) of every order the incident touched, and of everyone told at its
    opening."""
    incident = incidents.get(uow, statement["incident_id"], tenant_id=statement["tenant_id"])
    n = tables.notifications.c
    touched = {(r["customer_id"], r["tenant_id"]) for r in affected_orders(uow, incident)}
    told_at_open = uow.conn.execute(
        select(n.customer_id, n.tenant_id).where(
            n.dedupe_key == f"incident:{incident['id']}:opened"
        )
    ).all()
    return touched | {(r.customer_id, r.tenant_id) for r in told_at_open}


def _to_inboxes(
    uow: UnitOfWork,
    statement: dict[str, Any],
    version: int,
    texts: dict[str, dict[str, str]],
    touched: set[tuple[str, str]],
) -> int:
    c = tables.customers.c
    languages = dict(
        uow.conn.execute(
            select(c.id, c.language).where(c.id.in_(sorted(x for x, _ in touched)))
        ).all()
    )
    now, added = uow.clock.now(), 0
    for customer_id, tenant_id in sorted(touched):
        lang = languages.get(customer_id, "en")
        text = texts.get(lang, texts["en"])
        message_id, key = new_id("msg"), f"statement:{statement['id']}:v{version}"
        sent = insert_ignore(
            uow.conn,
            tables.inbox_messages,
            {
                "id": message_id,
                "tenant_id": tenant_id,
                "customer_id": customer_id,
                "order_id": None,
                "event_id": None,
                "dedupe_key": key,
                "title": text["title"],
                "body": text["body"],
                "created_at": now,
            },
        )
        if sent:
            added += 1
            uow.emit(
                CustomerMessaged(
                    aggregate_id=message_id,
                    tenant_id=tenant_id,
                    at=now,
                    recipient=f"customer:{customer_id}",
                    order_id=None,
                    channels=("inbox",),
                    dedupe_key=key,
                    title=text["title"],
                    body=text["body"],
                )
            )
    return added


def read(uow: UnitOfWork, statement_id: str, *, tenant_id: str | None) -> dict[str, Any]:
    """A statement with every version, newest first."""
    statement = _statement(uow, statement_id, tenant_id)
    versions = uow.conn.execute(
        select(tables.statement_versions)
        .where(sv.statement_id == statement_id)
        .order_by(sv.version.desc())
    ).mappings()
    return statement | {"versions": [dict(v) for v in versions]}


def published_for(uow: UnitOfWork, incident_id: str) -> list[dict[str, Any]]:
    """Every published version of every statement on an incident, newest first."""
    rows = uow.conn.execute(
        select(sv.statement_id, sv.version, sv.texts, sv.published_at)
        .join(tables.statements, st.id == sv.statement_id)
        .where(st.incident_id == incident_id, sv.published_at.is_not(None))
        .order_by(sv.published_at.desc(), sv.version.desc())
    ).mappings()
    return [dict(r) for r in rows]


def of_tenant(uow: UnitOfWork, tenant_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """The tenant's statements, newest first, each with how many versions it has and its
    latest published version (None while only drafts exist)."""
    versions = (
        select(
            sv.statement_id,
            func.max(sv.version).label("versions"),
            func.max(case((sv.published_at.is_not(None), sv.version))).label("published"),
        )
        .group_by(sv.statement_id)
        .subquery()
    )
    rows = uow.conn.execute(
        select(
            st.id, st.incident_id, st.wave, st.created_at, versions.c.versions, versions.c.published
        )
        .join(versions, versions.c.statement_id == st.id)
        .where(st.tenant_id == tenant_id)
        .order_by(st.created_at.desc())
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]
