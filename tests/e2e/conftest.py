"""A real server, started the way ``make run`` starts it, in a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Served:
    url: str
    process: subprocess.Popen[str]
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tiffin(*args: str) -> list[str]:
    return [sys.executable, "-m", "tiffin", *args]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIFFIN_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """migrate, seed --demo --if-empty, serve --demo-day: the Makefile's ``run`` recipe."""
    tmp = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp}/tiffin.db"
    env = environment()
    for step in (["migrate"], ["seed", "--demo", "--if-empty"]):
        subprocess.run(tiffin(*step, "--database-url", url), env=env, check=True, timeout=120)
    port = free_port()
    log = tmp / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            tiffin("serve", "--host", "127.0.0.1", "--port", str(port), "--demo-day")
            + ["--database-url", url],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not come up:\n{log.read_text()}")
            time.sleep(0.2)
        yield Served(base, process, log)
    finally:
        process.terminate()
        process.wait(timeout=15)
