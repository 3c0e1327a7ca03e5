"""Serving as ``make run`` does: the ready line only once the port answers, a clear error (and
exit 1) on a taken port, the front door, and a line in the log per request."""

from __future__ import annotations

import re
import subprocess

import httpx

from tests.e2e.conftest import Served, environment, tiffin


def test_a_taken_port_is_a_clear_error_not_a_ready_line(served: Served) -> None:
    port = served.url.rsplit(":", 1)[1]
    second = subprocess.run(
        tiffin("serve", "--host", "127.0.0.1", "--port", port),
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "tiffin API on" not in second.stdout + second.stderr
    assert "Traceback" not in second.stderr


def test_the_ready_line_and_the_request_log(served: Served) -> None:
    assert httpx.get(f"{served.url}/").status_code == 200
    assert httpx.get(f"{served.url}/v1/merchants/mer_nope").status_code == 401
    log = served.log.read_text()
    assert f"tiffin API on {served.url}/v1" in log
    assert re.search(r"GET / 200 [\d.]+ ms", log)
    assert re.search(r"GET /v1/merchants/\{merchant_id\} 401 [\d.]+ ms", log)  # not the raw id
    assert "mer_nope" not in log
