"""The public status page: each component's state now, open incidents with their updates,
statements about anomaly waves, and 90 days of history; and the post-incident review, built
from the record."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import or_, select

from tiffin.incidents.model import Component, Impact, State, component_status, worst
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

HISTORY_DAYS = 90
i = tables.incidents.c
u = tables.incident_updates.c


def _visible(tenant_id: str | None) -> Any:
    return (
        i.tenant_id.is_(None)
        if tenant_id is None
        else or_(i.tenant_id.is_(None), i.tenant_id == tenant_id)
    )


def _updates(uow: UnitOfWork, incident_ids: list[str], *, internal: bool) -> dict[str, list[Any]]:
    if not incident_ids:
        return {}
    query = select(tables.incident_updates).where(u.incident_id.in_(incident_ids)).order_by(u.id)
    if not internal:
        query = query.where(u.internal.is_(False))
    grouped: dict[str, list[Any]] = {}
    for r in uow.conn.execute(query).mappings():
        grouped.setdefault(r["incident_id"], []).append(
            {"at": r["at"].isoformat(), "state": r["state"], "message": r["message"]}
        )
    return grouped


def status(uow: UnitOfWork, tenant_id: str | None, now: datetime) -> dict[str, Any]:
    since = now - timedelta(days=HISTORY_DAYS)
    rows = [
        dict(r)
        for r in uow.conn.execute(
            select(tables.incidents)
            .where(_visible(tenant_id), or_(i.started_at >= since, i.state != "resolved"))
            .order_by(i.started_at.desc())
        ).mappings()
    ]
    updates = _updates(uow, [r["id"] for r in rows], internal=False)
    live = [r for r in rows if r["state"] != State.RESOLVED.value]
    components = {
        c.value: component_status(
            worst([Impact(r["components"].get(c.value, "none")) for r in live])
        )
        for c in Component
    }
    days = []
    for n in range(HISTORY_DAYS):
        day = (now - timedelta(days=n)).date()
        touching = [
            r for r in rows if r["started_at"].date() <= day <= (r["resolved_at"] or now).date()
        ]
        days.append(
            {
                "date": day.isoformat(),
                "worst": {
                    c.value: worst(
                        [Impact(r["components"].get(c.value, "none")) for r in touching]
                    ).value
                    for c in Component
                },
                "incidents": [r["id"] for r in touching],
            }
        )

    def public(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "title": r["title"],
            "state": r["state"],
            "components": r["components"],
            "started_at": r["started_at"].isoformat(),
            "resolved_at": r["resolved_at"].isoformat() if r["resolved_at"] else None,
            "updates": updates.get(r["id"], []),
        }

    overall = "operational" if all(v == "operational" for v in components.values()) else "degraded"
    return {
        "status": overall,
        "components": components,
        "open_incidents": [public(r) for r in live],
        "past_incidents": [public(r) for r in rows if r["state"] == State.RESOLVED.value],
        "history": days,
        "statements": wave_statements(uow, tenant_id, since),
        "generated_at": now.isoformat(),
    }


def wave_statements(uow: UnitOfWork, tenant_id: str | None, since: datetime) -> list[Any]:
    """The newest published version of each statement not tied to an incident (a wave's:
    ``tiffin.comms``), newest first; an incident's statements are among its updates."""
    if tenant_id is None:
        return []
    st, sv = tables.statements.c, tables.statement_versions.c
    rows = uow.conn.execute(
        select(st.id, sv.version, sv.published_at, sv.texts)
        .join(tables.statement_versions, sv.statement_id == st.id)
        .where(
            st.tenant_id == tenant_id,
            st.incident_id.is_(None),
            sv.published_at.is_not(None),
            sv.published_at >= since,
        )
        .order_by(sv.published_at.desc(), sv.version.desc())
    ).mappings()
    newest: dict[str, Any] = {}
    for r in rows:
        newest.setdefault(
            r["id"],
            {
                "id": r["id"],
                "version": r["version"],
                "published_at": r["published_at"].isoformat(),
                "texts": r["texts"],
            },
        )
    return list(newest.values())


def status_html(page: dict[str, Any]) -> str:
    """The same page for people: no script, no external assets."""
    colour = {
        "operational": "#2e7d32",
        "degraded_performance": "#f9a825",
        "partial_outage": "#ef6c00",
        "major_outage": "#c62828",
    }
    rows = "".join(
        f'<tr><td>{escape(name)}</td><td style="color:{colour[state]}">'
        f"{escape(state.replace('_', ' '))}</td></tr>"
        for name, state in page["components"].items()
    )

    def incident(r: dict[str, Any]) -> str:
        steps = "".join(
            f"<li><b>{escape(x['state'])}</b> {escape(x['at'][:16])}Z: {escape(x['message'])}</li>"
            for x in reversed(r["updates"])
        )
        return f"<section><h3>{escape(r['title'])}</h3><ul>{steps}</ul></section>"

    open_part = "".join(incident(r) for r in page["open_incidents"]) or "<p>No open incidents.</p>"
    said = "".join(
        f"<section><h3>{escape(x['texts'][lang]['title'])}</h3>"
        f"<p>{escape(x['texts'][lang]['body'])}</p></section>"
        for x in page.get("statements", [])[:20]
        for lang in ("zh-CN", "en")
    )
    said_part = f"<h2>Statements</h2>{said}" if said else ""
    past_part = "".join(incident(r) for r in page["past_incidents"][:20]) or "<p>None.</p>"
    bars = "".join(
        f'<span title="{d["date"]}" style="display:inline-block;width:6px;height:24px;'
        f'margin:1px;background:{_day_colour(d["worst"])}"></span>'
        for d in reversed(page["history"])
    )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>tiffin status</title>"
        "<body style='font-family:sans-serif;max-width:720px;margin:2em auto'>"
        f"<h1>tiffin status: {escape(page['status'])}</h1>"
        f"<table>{rows}</table>{_features_off(page)}<h2>Open incidents</h2>{open_part}"
        f"{said_part}<h2>Last {HISTORY_DAYS} days</h2><div>{bars}</div>"
        f"<h2>Past incidents</h2>{past_part}"
        f"<p><small>Generated {escape(page['generated_at'][:19])}Z</small></p></body></html>"
    )


def _features_off(page: dict[str, Any]) -> str:
    off = page.get("features_off") or []
    if not off:
        return ""
    return f"<p>Switched off for now to keep orders moving: {escape(', '.join(off))}.</p>"


def _day_colour(worst_by_component: dict[str, str]) -> str:
    rank = max(Impact(v).rank for v in worst_by_component.values())
    return ["#2e7d32", "#f9a825", "#ef6c00", "#c62828"][rank]


def review_markdown(uow: UnitOfWork, incident: dict[str, Any]) -> str:
    """The post-incident review: a timeline from the record, and what making good cost."""
    updates = _updates(uow, [incident["id"]], internal=True).get(incident["id"], [])
    started, opened = incident["started_at"], incident["opened_at"]
    resolved = incident["resolved_at"]
    lines = [
        f"# Post-incident review: {incident['title']}",
        "",
        f"- Incident `{incident['id']}`, opened by {incident['opened_by']} ({incident['source']})",
        f"- Components: {', '.join(f'{k} ({v})' for k, v in incident['components'].items())}",
        f"- First signal: {started.isoformat()}",
        f"- Detected (opened): {opened.isoformat()}, "
        f"{(opened - started).total_seconds():.0f} s after the first signal",
        f"- Recovered (resolved): {resolved.isoformat() if resolved else 'not yet'}"
        + (
            f", {(resolved - started).total_seconds() / 60:.1f} min after the first signal"
            if resolved
            else ""
        ),
        f"- Made good: {incident['made_good_orders']} orders, "
        f"{incident['made_good_cents'] / 100:.2f} in goodwill"
        + (f" (at {incident['made_good_at'].isoformat()})" if incident["made_good_at"] else ""),
        "",
        "## Timeline",
        "",
        "| at (UTC) | state | update |",
        "|---|---|---|",
        f"| {started.isoformat()} | signal | first sign of trouble |",
    ]
    lines += [f"| {x['at']} | {x['state']} | {x['message']} |" for x in updates]
    return "\n".join(lines) + "\n"
