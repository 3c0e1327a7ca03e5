"""The fraud-ring scenario meets the issue's targets, through the CLI as an operator runs it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tiffin.cli import app


def test_fraud_ring_pays_the_ring_little_and_never_blocks_an_honest_claim() -> None:
    answer = CliRunner().invoke(
        app, ["simulate", "campus", "--scenario", "fraud-ring", "--seed", "2", "--json"]
    )
    assert answer.exit_code == 0, answer.output
    f = json.loads(answer.output)
    assert f["attempted_abuse_cents"] > 50_000  # the ring is paid plenty with risk off
    assert f["paid_to_abuse_cents"] <= 0.10 * f["attempted_abuse_cents"]
    assert f["honest_claims"] >= 10
    assert f["honest_claims_blocked"] == 0
    assert f["honest_claims_held"] <= 0.02 * f["honest_claims"]
    # The ring's claims are held or refused (with its phones and cards known, mostly refused
    # outright: seed 2 opens no case at all), and each decision was timed.
    stopped = f["abuse_claims_held"] + f["abuse_claims_blocked"]
    assert stopped >= 0.9 * f["abuse_claims"] and f["decision_ms_p99"] > 0
