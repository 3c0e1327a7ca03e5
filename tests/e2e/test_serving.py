"""Serving as ``make run`` does: the ready line only once the port answers, a clear error (and
exit 1) on a taken port, the front door, and a line in the log per request."""

from __future__ import annotations

import re
import subprocess
import time

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
    # A thread writes the lines (the event loop only queues them): wait for the second.
    second = r"GET /v1/merchants/\{merchant_id\} 401 [\d.]+ ms"  # the template, not the raw id
    deadline = time.monotonic() + 10
    while not re.search(second, log := served.log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"tiffin API on {served.url}/v1" in log
    assert re.search(r"GET / 200 [\d.]+ ms", log)
    assert re.search(second, log)
    assert "mer_nope" not in log


def test_answers_on_a_keep_alive_connection_are_not_held_back_by_nagle(served: Served) -> None:
    """Connections accepted on tiffin's own bound socket get TCP_NODELAY as uvicorn's do. With
    Nagle's algorithm on, the body of each answer (written after its headers) waited for the
    client's delayed ACK: about 40 ms a request."""
    import socket

    port = int(served.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # only the server's counts
        timings = []
        for _ in range(20):
            began = time.perf_counter()
            client.sendall(b"GET /v1 HTTP/1.1\r\nHost: tiffin\r\n\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += client.recv(65536)
            head, _, body = answer.partition(b"\r\n\r\n")
            found = re.search(rb"content-length: (\d+)", head.lower())
            assert found is not None
            while len(body) < int(found.group(1)):
                body += client.recv(65536)
            timings.append(time.perf_counter() - began)
    timings.sort()
    assert timings[len(timings) // 2] < 0.02, timings
