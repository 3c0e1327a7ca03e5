"""The transparency report as one self-contained HTML page, charts drawn with matplotlib (PNG
inlined as base64, so the page is one file that can be published as it is)."""

from __future__ import annotations

import base64
import html
import io
from typing import Any


def _chart(draw: Any, title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=100)
    draw(ax)
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(title)}" src="data:image/png;base64,{data}">'


def _bars(values: dict[str, float], colour: str) -> Any:
    def draw(ax: Any) -> None:
        names = list(values) or ["none"]
        ax.barh(names, [values.get(n, 0) for n in names], color=colour)

    return draw


def _sentiment(days: dict[str, dict[str, int]]) -> Any:
    def draw(ax: Any) -> None:
        names = [d[-2:] for d in days] or ["-"]
        bottom = [0] * len(names)
        for label, colour in (
            ("negative", "#c0392b"),
            ("neutral", "#999"),
            ("positive", "#27ae60"),
        ):
            counts = [days[d][label] for d in days] or [0]
            ax.bar(names, counts, bottom=bottom, color=colour, label=label)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        ax.legend(loc="upper right", fontsize=8)
        ax.set_xlabel("day of the month")

    return draw


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    return f"<table>{cells}</table>"


def to_html(report: dict[str, Any]) -> str:
    """One page: the headline figures, the incidents, and three charts."""
    money = {k: v / 100 for k, v in report["compensation_cents_by_reason"].items()}
    incidents = "".join(
        f"<tr><td>{html.escape(x['title'])}</td><td>{x['started_at']}</td>"
        f"<td>{x['recovery_minutes'] if x['recovery_minutes'] is not None else 'open'}</td>"
        f"<td>{x['made_good_cents'] / 100:.2f}</td></tr>"
        for x in report["incidents"]
    )
    headline = _table(
        [
            ("orders", report["orders"]),
            ("delivered", report["delivered"]),
            ("cancelled", report["cancelled"]),
            ("on time (%)", report["on_time_pct"]),
            ("complaints", report["complaints"]),
            ("complaints closed", report["complaints_closed"]),
            ("median minutes to close a complaint", report["complaint_resolution_minutes_median"]),
            ("compensation (yuan)", f"{report['compensation_cents'] / 100:.2f}"),
            ("compensation by liable party (cents)", report["compensation_cents_by_liable"]),
        ]
    )
    charts = "".join(
        [
            _chart(_bars(report["anomalies_by_type"], "#e67e22"), "anomalies by type"),
            _chart(_bars(money, "#2980b9"), "compensation by reason (yuan)"),
            _chart(_sentiment(report["sentiment_by_day"]), "what customers said, by day"),
        ]
    )
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'>"
        f"<title>tiffin transparency report {report['month']}</title>"
        "<style>body{font-family:sans-serif;max-width:52rem;margin:2rem auto}"
        "th{text-align:left;padding-right:1rem}td,th{border-bottom:1px solid #ddd}</style>"
        f"<h1>Transparency report · 透明度报告 · {report['month']}</h1>{headline}"
        "<h2>Incidents</h2><table><tr><th>incident</th><th>started</th>"
        f"<th>minutes to recover</th><th>made good (yuan)</th></tr>{incidents}</table>"
        f"<h2>Charts</h2>{charts}</html>"
    )
