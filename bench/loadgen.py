"""A lean HTTP/1.1 load generator for the benchmarks: asyncio, raw keep-alive sockets.

Why not httpx in threads: measured on this 2-core machine, an httpx client spent 3.0 ms of CPU
per telemetry post, as much as the server it was measuring, and a Python process runs one
thread at a time: at 400 posts/s the generator alone needed more than a core, so its own queue
became part of every latency it reported. Riders' phones are not on the server's machine. This
generator writes each request as prepared bytes and reads the answer's status line and
``Content-Length`` (about 0.1-0.2 ms of CPU a request), so the measured latency is the
server's. It is deliberately small: HTTP/1.1 keep-alive, ``Content-Length`` bodies only (what
uvicorn answers tiffin's JSON with); anything else is an error, not a guess.

The schedule is open loop: request ``k`` is due at ``start + k / rate`` and its latency runs
from that due moment to the last byte of the answer, so a request sent late because its
connection was still busy is counted late (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Request = Callable[[int], bytes]  # request number -> the whole request, headers and body


@dataclass
class Outcome:
    """What one run measured: every answered request's latency and the statuses seen."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # this process's user + system time during the run

    def count(self, status: int) -> int:
        return self.statuses.get(status, 0)


def request_bytes(
    method: str, path: str, body: bytes, headers: dict[str, str], host: str = "127.0.0.1"
) -> bytes:
    """One HTTP/1.1 request with a JSON body."""
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    head += ["Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one answer; its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"transfer-encoding":
            raise RuntimeError("chunked answers are not read by this generator")
    if length:
        await reader.readexactly(length)
    return status


async def _exchange(
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    request: bytes,
    since: float,
    outcome: Outcome,
) -> None:
    """Send one request and read its answer; record the time from ``since`` and the status."""
    reader, writer = streams
    writer.write(request)
    status = await _answer(reader)
    outcome.latencies_ms.append(1000 * (time.perf_counter() - since))
    outcome.statuses[status] = outcome.statuses.get(status, 0) + 1


async def _open_loop(
    host: str, port: int, request: Request, rate: float, total: int, connections: int
) -> Outcome:
    outcome = Outcome()
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    begin = time.perf_counter() + 0.05
    cpu = time.process_time()

    async def connection(i: int) -> None:
        for k in range(i, total, connections):
            due = begin + k / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            await _exchange(streams[i], request(k), due, outcome)
        streams[i][1].close()

    await asyncio.gather(*(connection(i) for i in range(connections)))
    outcome.seconds = time.perf_counter() - begin
    outcome.client_cpu_seconds = time.process_time() - cpu
    return outcome


@contextmanager
def _no_collector_pauses() -> Iterator[None]:
    """The generator's own garbage collector off for a run (collected first, on again after).
    The benchmarks' process imports tiffin to set up its data, and a full collection of that
    heap took 100-110 ms here (logged with ``gc.callbacks``): every request then waiting would
    have counted the pause as the server's latency. A run allocates little that only the
    collector frees."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def open_loop(
    host: str, port: int, request: Request, rate: float, seconds: float, connections: int = 48
) -> Outcome:
    """``rate`` requests a second for ``seconds`` over ``connections`` keep-alive connections
    (request ``k`` on connection ``k mod connections``)."""
    total = int(rate * seconds)
    with _no_collector_pauses():
        return asyncio.run(_open_loop(host, port, request, rate, total, connections))


async def _back_to_back(
    host: str, port: int, request: Request, seconds: float, connections: int
) -> Outcome:
    outcome = Outcome()
    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]
    begin = time.perf_counter()
    cpu = time.process_time()
    stop_at = begin + seconds

    async def connection(i: int) -> None:
        k = i
        while time.perf_counter() < stop_at:
            await _exchange(streams[i], request(k), time.perf_counter(), outcome)
            k += connections
        streams[i][1].close()

    await asyncio.gather(*(connection(i) for i in range(connections)))
    outcome.seconds = time.perf_counter() - begin
    outcome.client_cpu_seconds = time.process_time() - cpu
    return outcome


def back_to_back(
    host: str, port: int, request: Request, seconds: float, connections: int = 16
) -> Outcome:
    """``connections`` clients each sending its next request as soon as the last is answered:
    the capacity."""
    with _no_collector_pauses():
        return asyncio.run(_back_to_back(host, port, request, seconds, connections))
