"""A short crash drill on each database: kill -9 the server under load, lose and double nothing.

The full drill (20 kills) is a command, ``tiffin drill crash``; this is its smoke test, with a
real server process, real SIGKILLs and a real audit, kept to two kills for the suite's time.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tiffin.cli import app
from tiffin.drills import scenarios as drill


def test_killing_the_server_loses_and_doubles_nothing(database_url: str, tmp_path: Path) -> None:
    report = drill.run(database_url, kills=2, gap_seconds=(0.8, 1.5), workdir=tmp_path)
    assert report.acknowledged > 0 and report.acknowledged_steps > 0, report.as_dict()
    assert report.ok, report.problems
    assert len(report.recovery_s) == 2  # after each restart, a write succeeded


def test_the_drill_command_reports_json_and_refuses_nonsense() -> None:
    bad = CliRunner().invoke(app, ["drill", "crash", "--kills", "0"])
    assert bad.exit_code == 1 and "--kills" in bad.output
    figures = drill.Report(1, 3, 5, 0, 0, 0, 0, [1.2], []).as_dict()
    assert set(figures) >= {
        "kills",
        "acknowledged",
        "lost",
        "duplicated",
        "effects_lost",
        "effects_duplicated",
        "recovery_s_median",
        "recovery_s_max",
    }
    assert json.loads(json.dumps(figures))["recovery_s_max"] == 1.2


def test_killing_the_dispatch_leader_hands_over_without_double_assignment(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two servers on one PostgreSQL database: the survivor leads within the lease (6 s) plus
    a cycle (2 s), and no order is assigned twice."""
    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_url)
    report = drill.failover(postgres_url, workdir=tmp_path, load_seconds=2)
    assert report.ok, report.as_dict()
    assert report.takeover_s is not None and report.takeover_s < 10
    assert report.leader_before != report.leader_after
    assert report.double_assignments == 0 and report.audit.acknowledged > 0


def test_a_killed_processs_zones_are_taken_over(postgres_url: str, tmp_path: Path) -> None:
    """Four zones per tenant spread over two servers; kill one and the other leads all four
    within the lease, with no order assigned twice."""
    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_url)
    report = drill.failover(postgres_url, workdir=tmp_path, load_seconds=2, zones=4)
    assert report.ok, report.as_dict()
    assert len(report.zones_before) == 2 and sum(report.zones_before.values()) == 4
    assert report.zones_after == {report.leader_after: 4}
    assert report.takeover_s is not None and report.takeover_s < 10
