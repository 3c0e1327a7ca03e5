"""The README's walk-through, run literally with bash against a server started as ``make run``
starts it (the simulated day playing), twice in a row: it must end ``delivered``, with no
refused step and no traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from tests.e2e.conftest import ROOT, Served, environment

MARK = "<!-- walkthrough -->"


def walkthrough() -> str:
    """The ```sh block right after the README's walk-through mark, exactly as a reader sees it."""
    readme = (ROOT / "README.md").read_text()
    after = readme.split(MARK, 1)[1]
    found = re.match(r"\s*```sh\n(.*?)\n```", after, re.DOTALL)
    assert found, f"no ```sh block right after {MARK} in README.md"
    return found.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through needs curl")
def test_the_readme_walkthrough_delivers_twice_in_a_row(served: Served) -> None:
    block = walkthrough()
    assert "${TIFFIN_URL:-http://127.0.0.1:8000}" in block  # the base URL can be pointed here
    for run in (1, 2):
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block],
            env={**environment(), "TIFFIN_URL": served.url},
            capture_output=True,
            text=True,
            timeout=180,
        )
        said = f"run {run}:\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr}"
        assert done.returncode == 0, said
        assert re.search(r"^order ord_\w+: delivered$", done.stdout, re.MULTILINE), said
        assert "curl:" not in done.stderr, said  # no 4xx/5xx on any step
        assert "Traceback" not in done.stderr + done.stdout, said
    # The simulated day is deferrable work: the staged start runs it once the core has been
    # healthy for a while, which can be after the walk-through is done. Wait for its first line.
    deadline = time.monotonic() + 60
    while not re.search(r"simulated day: order ord_\w+ placed", served.log.read_text()):
        assert time.monotonic() < deadline, "the simulated day never placed an order"
        time.sleep(0.5)
    server_log = served.log.read_text()
    assert "Traceback" not in server_log
    assert re.search(r"POST /v1/orders/\{order_id\}/deliver 200 [\d.]+ ms", server_log)
    assert served.process.poll() is None
